"""Permissions of the agenda module (deny by default: a role holds only what is listed here).

Reading published meetings, their agenda, closing and calendars needs no permission once the component is
published; registering needs an account (and the component's registration requirements). An integrator's
API key with the scope ``write:agenda`` holds every permission below.
"""

from __future__ import annotations

from civicapi.registry import Permission, Role

MANAGE = "agenda.manage"
REGISTRATIONS = "agenda.registrations"
CHECK_IN = "agenda.check_in"

PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        MANAGE,
        "Create, edit, publish, cancel and close meetings and their agenda; moderate participants' meetings",
        frozenset({Role.admin, Role.staff}),
    ),
    Permission(
        REGISTRATIONS,
        "See and export who registered (personal data), invite people, manage the waiting list",
        frozenset({Role.admin, Role.staff}),
    ),
    Permission(
        CHECK_IN, "Check registrants in at the door", frozenset({Role.admin, Role.staff, Role.moderator})
    ),
)
