"""Problem types of the agenda module. Each carries a machine-readable ``reason``; each use case adds
its reasons to the description of the type it raises."""

from __future__ import annotations

from civicapi.core.errors import Conflict, Forbidden, InvalidInput


class AgendaActionForbidden(Forbidden):
    slug = "agenda-action-forbidden"
    title = "Action not allowed"
    description = (
        "The action is not allowed now or not to this caller; `reason` says why: `creation_disabled`, "
        "`participant_meetings_disabled`, `not_the_author`, `registrations_disabled`, "
        "`requirements_not_met` (with `requirement`: the verification status, handler and failed "
        "conditions), `not_the_registrant`."
    )


class AgendaConflict(Conflict):
    slug = "agenda-conflict"
    title = "Conflict with the meeting's state"
    description = (
        "The meeting or the registration forbids the change; `reason` says why: `not_a_draft`, "
        "`not_published`, `already_started`, `cancelled`, `withdrawn`, `registrations_closed`, "
        "`registrations_not_open`, `already_registered`, `registration_cancelled`, `has_registrations`; "
        "registrations: `not_on_platform`, `full` (no place and no waiting list), `slots_below_registrations` "
        "(with `registrations_count`), `no_offer`, `offer_expired`, `not_registered` (check-in of a waiting "
        "or offered registration, with `registration_status`), `already_invited`, `invite_answered`, `code_collision`; closing: `not_started` (a meeting is closed once it has started)."
    )


class AgendaInvalid(InvalidInput):
    slug = "agenda-invalid"
    title = "Invalid meeting or agenda"
    description = (
        "The meeting or its agenda breaks a rule; `reason` names the first broken rule and `errors` lists "
        "them all (each with its `code`): `ends_before_start`, `address_required`, `online_url_required`, "
        "`url_not_https`, `url_has_credentials`, `embed_host_not_allowed`, `category_not_allowed`, "
        "`district_not_allowed`, `unknown_locale`, `coordinates` (latitude and longitude go together), `agenda_too_long` (the top-level items last longer than "
        "the meeting), `sub_items_too_long` (an item's sub-items last longer than the item), "
        "`too_deep` (items nest two levels), `unknown_parent` (no such item in the meeting), `not_siblings` (a reorder must name every item of one level "
        "once)."
    )
