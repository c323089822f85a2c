"""Permissions of the surveys module (deny by default: a role holds only what is listed here).

Reading a published survey, its questionnaire and its published results needs no permission once the
component is published; answering needs an account (and the component's answer requirements), or an
answer token where the survey takes answers without an account. An integrator's API key with the scope
``write:surveys`` holds every permission below.
"""

from __future__ import annotations

from civicapi.registry import Permission, Role

MANAGE = "surveys.manage"
EXPORT = "surveys.export"

PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        MANAGE,
        "Create, edit, publish and close surveys and their questionnaires; see results not yet published; "
        "moderate written answers",
        frozenset({Role.admin, Role.staff}),
    ),
    Permission(
        EXPORT,
        "Export the answers of a survey (pseudonymous: no account data)",
        frozenset({Role.admin, Role.staff}),
    ),
)
