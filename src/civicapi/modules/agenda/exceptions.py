"""Problem types of the agenda module. Each carries a machine-readable ``reason``; each use case adds
its reasons to the description of the type it raises."""

from __future__ import annotations

from civicapi.core.errors import Conflict, Forbidden


class AgendaActionForbidden(Forbidden):
    slug = "agenda-action-forbidden"
    title = "Action not allowed"
    description = (
        "The action is not allowed now or not to this caller; `reason` says why: `creation_disabled`, "
        "`participant_meetings_disabled`, `not_the_author`, `registrations_disabled`, "
        "`requirements_not_met` (with `requirement`: the verification status, handler and failed "
        "conditions)."
    )


class AgendaConflict(Conflict):
    slug = "agenda-conflict"
    title = "Conflict with the meeting's state"
    description = (
        "The meeting or the registration forbids the change; `reason` says why: `not_a_draft`, "
        "`not_published`, `already_started`, `cancelled`, `withdrawn`, `registrations_closed`, "
        "`registrations_not_open`, `already_registered`, `registration_cancelled`, `has_registrations`, "
        "`not_started` (a meeting is closed once it has started)."
    )
