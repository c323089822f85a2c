"""Permissions of the accountability module (deny by default: a role holds only what is listed here).

Reading results, statuses, milestones, the summary, the history and the open-data exports needs no
permission once the component is published. An integrator's API key with the scope
``write:accountability`` holds every permission below.
"""

from __future__ import annotations

from civicapi.registry import Permission, Role

MANAGE = "accountability.manage"
PROGRESS = "accountability.progress"
IMPORT = "accountability.import"

PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        MANAGE,
        "Create, edit, move and delete results and statuses; import the selected budget projects",
        frozenset({Role.admin}),
    ),
    Permission(
        PROGRESS,
        "Report how results advance: progress, status and milestones",
        frozenset({Role.admin, Role.staff}),
    ),
    Permission(IMPORT, "Create and update results from a CSV file", frozenset({Role.admin})),
)
