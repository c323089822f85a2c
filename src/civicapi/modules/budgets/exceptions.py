"""Problem types of the budgets module. Each carries a machine-readable ``reason``."""

from __future__ import annotations

from civicapi.core.errors import Conflict, Forbidden, InvalidInput


class VoteForbidden(Forbidden):
    slug = "budgets-vote-forbidden"
    title = "Voting not allowed"
    description = (
        "The person may not vote here now; `reason` says why: `voting_disabled`, `voting_finished`, "
        "`vote_closed` (the budget's vote was closed), `people_only` (API keys do not vote), "
        "`requirements_not_met` (with `requirement`: the verification status, handler and failed "
        "conditions), `district_not_allowed` (the budget is restricted to another district), "
        "`citywide_not_allowed` (the district workflow allows no city-wide budget)."
    )


class BallotInvalid(InvalidInput):
    slug = "budgets-ballot-invalid"
    title = "Invalid ballot"
    description = (
        "The ballot breaks the vote's rules; nothing was written. `reason` is the first rule broken and "
        "`violations` lists all of them (`over_budget`, `below_minimum_amount`, `too_few_projects`, "
        "`too_many_projects`, `empty_ballot`, `too_many_points`, `too_many_points_for_project`, "
        "`points_not_all_spent`, `invalid_points`, `unknown_project`, `duplicate_project`, "
        "`wrong_ballot_form`), with figures such as `remaining`, `minimum_amount`, `min_projects`."
    )


class BallotConflict(Conflict):
    slug = "budgets-ballot-conflict"
    title = "Conflict with the person's ballots"
    description = (
        "The person's ballots forbid the change; `reason` says why: `already_voted` (this identity has "
        "voted in this budget, with any account or on paper), `workflow_limit_reached` (the component's "
        "workflow allows no further budget; `budget_ids` lists where the identity votes), `no_ballot`, "
        "`already_checked_out`, `not_checked_out`."
    )


class IdempotencyKeyReused(InvalidInput):
    slug = "idempotency-key-reused"
    title = "Idempotency key reused"
    description = "The `Idempotency-Key` was already used with a different request body."


class BudgetConflict(Conflict):
    slug = "budgets-conflict"
    title = "Conflict with the budget's state"
    description = (
        "The budget's state forbids the change; `reason` says why: `vote_closed`, `vote_not_closed`, "
        "`vote_sealing` (the urn of the closed vote is being sealed), "
        "`voting_open`, `voting_not_open` (reminders are sent while voting is open), `has_ballots`, "
        "`results_not_published`, `count_running`, `number_taken`."
    )
