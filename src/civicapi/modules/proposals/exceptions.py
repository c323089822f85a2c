"""Problem types of the proposals module. Each carries a machine-readable ``reason``."""

from __future__ import annotations

from civicapi.core.errors import Conflict, Forbidden


class ProposalActionForbidden(Forbidden):
    slug = "proposals-action-forbidden"
    title = "Action not allowed"
    description = (
        "The action is not allowed now or not to this caller; `reason` says why: `creation_disabled`, "
        "`supports_disabled`, `supports_blocked`, `answering_disabled`, `official_proposals_disabled`, "
        "`not_an_author`, `not_assigned`, `requirements_not_met` (with `requirement`: the verification "
        "status, handler and failed conditions), `state_not_supportable`."
    )


class ProposalConflict(Conflict):
    slug = "proposals-conflict"
    title = "Conflict with the proposal's state"
    description = (
        "The proposal or the person's participation forbids the change; `reason` says why: "
        "`proposal_limit_reached`, `support_limit_reached`, `threshold_reached`, `not_published`, "
        "`not_a_draft`, `edit_window_closed`, `answer_published`, `has_supports`, `last_author`, "
        "`already_author`, `too_many_authors`, `already_assigned`, `withdrawn`, `state_not_supportable`, "
        "`builtin_state`, `state_in_use`, `token_taken`."
    )
