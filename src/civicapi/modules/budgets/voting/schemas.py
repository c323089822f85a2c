"""Bodies of ballots, paper ballots, eligibility, counts and results."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from civicapi.core.schemas import RequestModel, trimmed
from civicapi.identity.verification.requirements import RequirementStatus
from civicapi.modules.budgets.settings import CountingRule, Workflow

MAX_LINES = 500


class BallotSubmit(RequestModel):
    """A whole ballot: `projects` for knapsack and approval ballots, `points` for cumulative ones."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "projects": [
                    "0b9c1e2a-7f6d-4b1e-9a55-3c2a1f0e9d11",
                    "5e2d7c4b-1a3f-4c8e-b6d9-8f7a6e5d4c32",
                ]
            }
        },
    )

    projects: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_LINES)
    points: dict[uuid.UUID, int] = Field(default_factory=dict, max_length=MAX_LINES)


class BallotProjectAdd(RequestModel):
    model_config = ConfigDict(extra="forbid")

    project_id: uuid.UUID
    points: int = Field(default=1, ge=1, le=10_000, description="Cumulative ballots: points given to it.")


class BallotLineRead(BaseModel):
    project_id: uuid.UUID
    points: int
    cost: int


class ViolationRead(BaseModel):
    model_config = ConfigDict(extra="allow")

    reason: str
    detail: str


BallotStatus = Literal["draft", "checked_out", "sealed"]
Channel = Literal["online", "paper"]
CountRunStatus = Literal["queued", "running", "done", "failed"]


class BallotRead(BaseModel):
    """The person's own ballot in one budget, with what is left and what checkout would say now."""

    id: uuid.UUID
    budget_id: uuid.UUID
    status: BallotStatus = Field(
        description="`draft` (being built), `checked_out` (cast), `sealed` (closed)."
    )
    channel: Channel
    projects: list[BallotLineRead]
    total_cost: int
    remaining: int = Field(description="Budget left (may be negative only for uncapped rules).")
    points_total: int
    points_remaining: int | None
    projects_count: int
    rules: dict[str, Any]
    can_checkout: bool
    violations: list[ViolationRead] = Field(description="Rules checkout would refuse now.")
    voted_at: datetime | None


class PaperBallotCreate(RequestModel):
    """A paper ballot: the staff member checked the person's identity document at the desk."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "identifier": "85.07.30-033.61",
                "district": "Outremeuse",
                "birth_year": 1985,
                "projects": ["0b9c1e2a-7f6d-4b1e-9a55-3c2a1f0e9d11"],
            }
        },
    )

    identifier: Annotated[str, trimmed(64, min_length=3)] = Field(
        description="The document's identifier: only its keyed hash is used, never stored in clear."
    )
    district: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    projects: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_LINES)
    points: dict[uuid.UUID, int] = Field(default_factory=dict, max_length=MAX_LINES)


class PaperBallotRead(BaseModel):
    """The receipt of a paper ballot (the register entry, not the choices)."""

    budget_id: uuid.UUID
    voter_id: uuid.UUID = Field(description="The register entry.")
    channel: Channel
    voted_at: datetime
    projects_count: int
    total_cost: int


class BudgetEligibility(BaseModel):
    budget_id: uuid.UUID
    may_vote: bool
    reason: str | None = Field(description="Why not: a `budgets-vote-forbidden` or conflict reason.")
    ballot_status: BallotStatus | None = Field(
        description="`draft` or `checked_out` when the person has a ballot."
    )


class EligibilityRead(BaseModel):
    """Where the caller may vote in this component, and where they already do."""

    voting_open: bool
    workflow: Workflow
    requirements_status: RequirementStatus
    district: str | None
    budgets: list[BudgetEligibility]


class CountCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"publish": True}})

    rule: CountingRule | None = Field(default=None, description="Default: the component's `counting_rule`.")
    compare_with_greedy: bool | None = None
    publish: bool = Field(default=True, description="Publish the results when the count is done.")
    background: bool | None = Field(
        default=None, description="Count in the background (default: when there are over 5,000 ballots)."
    )


class CountRunRead(BaseModel):
    id: uuid.UUID
    budget_id: uuid.UUID
    status: CountRunStatus = Field(
        description="`queued`, `running`, `done` or `failed`. A run queued, or running without a heartbeat, "
        "for two minutes was abandoned by the process counting it (a restart, a crash): it is `failed`, "
        "with the reason in `error`; start another count."
    )
    rule: CountingRule
    compare_with_greedy: bool
    publish: bool
    ballots_sha256: str
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None = Field(
        description="Last sign of life of the process counting a background run (every 10 s while it runs)."
    )
    finished_at: datetime | None
    error: str | None
    result: dict[str, Any] | None


class ProjectResultRead(BaseModel):
    project_id: uuid.UUID
    code: str
    title: dict[str, str]
    cost: int
    votes: int
    supporters: int
    selected: bool
    rank: int | None
    reason: str | None = Field(
        description="Why not funded: `over_budget`, `stopped`, `not_affordable_by_supporters`, `no_votes`, "
        "`greedy_preferred`."
    )


class ResultsRead(BaseModel):
    budget_id: uuid.UUID
    rule: str
    budget: int
    total_cost: int
    leftover: int
    voters: int
    satisfied_voters: int
    satisfied_share: float = Field(description="Voters with at least one funded project they supported.")
    ballots_sha256: str
    details: dict[str, Any]
    projects: list[ProjectResultRead]
    published_at: datetime | None


class PabulibImportRead(BaseModel):
    """The budget created from a Pabulib file (its address in `Location`)."""

    id: uuid.UUID
    title: dict[str, str]
    projects: int
    ballots: int
    ballots_sha256: str
    warnings: list[str] = Field(
        default_factory=list,
        description="What was normalised to read the file (e.g. `vote_type choose-1 read as approval`, a "
        "project approved twice on a ballot counted once); empty when the file was read as it is.",
    )


class VoteRemindersRead(BaseModel):
    """What a request for reminders did (``POST .../reminders``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"reminded": 12, "waiting": 3, "done": 1, "next_due_at": "2026-12-07T09:15:00Z"}
        }
    )

    reminded: int = Field(description="Accounts mailed now (each once, whatever the number of budgets).")
    waiting: int = Field(description="Accounts with an unfinished ballot whose next reminder is not due yet.")
    done: int = Field(description="Accounts with an unfinished ballot that have had every reminder.")
    next_due_at: datetime | None = Field(description="When the next reminder becomes due, if any.")


class ParticipationDay(BaseModel):
    date: date
    cast: int


class ParticipationRead(BaseModel):
    """How many take part in a budget's vote: ballots cast (online and on paper) and being built, and the
    ballots cast each day in the commune's time zone. Counts only: never who, never what."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "budget_id": "7d1e0c5b-9a21-4c3e-8f00-000000000001",
                "cast": 1284,
                "in_progress": 97,
                "by_channel": {"online": 1201, "paper": 83},
                "by_day": [{"date": "2026-12-01", "cast": 412}, {"date": "2026-12-02", "cast": 872}],
                "voting_open": True,
            }
        }
    )

    budget_id: uuid.UUID
    cast: int = Field(description="Ballots cast, online and on paper (a withdrawn ballot is not counted).")
    in_progress: int = Field(description="Ballots being built step by step, not cast (none once closed).")
    by_channel: dict[str, int] = Field(description="Ballots cast by channel: `online`, `paper`.")
    by_day: list[ParticipationDay] = Field(
        description="Ballots cast each day (the commune's time zone), oldest first; days without any left out."
    )
    voting_open: bool


# The proposals module has a ParticipationRead too, so the OpenAPI document names this one by its module's
# path: it keeps the path it was published under (before the module was split by use case), so that the
# contract does not change. Rebuilt so that its schema takes the name.
ParticipationRead.__module__ = "civicapi.modules.budgets.schemas_ballots"
ParticipationRead.model_rebuild(force=True)
