"""Settings of a budgets component (per process) and of its steps (per phase), and the resolved
:class:`ComponentContext` that services receive."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civicapi.identity.verification.requirements import ActionRequirement
from civicapi.spaces import kit


class BallotKind(StrEnum):
    knapsack = "knapsack"
    """Choose projects whose total cost fits the budget, plus one rule (``knapsack_rule``)."""
    approval = "approval"
    """Choose between ``min_projects`` and ``max_projects`` projects; costs do not limit the choice."""
    cumulative = "cumulative"
    """Distribute ``points_total`` points, at most ``max_points_per_project`` on one project."""


class KnapsackRule(StrEnum):
    minimum_percent = "minimum_percent"
    """Spend at least ``minimum_percent`` % of the budget."""
    minimum_projects = "minimum_projects"
    """Choose at least ``minimum_projects`` projects."""
    projects_range = "projects_range"
    """Choose between ``min_projects`` and ``max_projects`` projects; the budget caps the total only when
    ``cap_to_budget`` is true."""


class Workflow(StrEnum):
    one = "one"
    """A person votes in exactly one budget of the component."""
    all = "all"
    """A person votes once in each budget."""
    district = "district"
    """A person votes in the budget(s) of their district, plus up to ``citywide_budgets`` city-wide ones."""


class CountingRule(StrEnum):
    greedy = "greedy"
    """By votes, skipping projects that no longer fit."""
    greedy_stop = "greedy_stop"
    """By votes, stopping at the first project that does not fit."""
    mes = "mes"
    """Method of Equal Shares, no completion."""
    mes_add1 = "mes_add1"
    """Method of Equal Shares with the add1 completion."""


class VotesState(StrEnum):
    disabled = "disabled"
    enabled = "enabled"
    finished = "finished"


class BudgetsComponentSettings(BaseModel):
    """Settings of one budgets component: the ballot's rules, who votes where, and how votes are counted."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "ballot_kind": "knapsack",
                "knapsack_rule": "minimum_percent",
                "minimum_percent": 70,
                "workflow": "district",
                "citywide_budgets": 1,
                "vote_requirements": [{"handler": "census", "conditions": {"min_age": 16}}],
                "counting_rule": "mes_add1",
            }
        },
    )

    ballot_kind: BallotKind = BallotKind.knapsack
    knapsack_rule: KnapsackRule = KnapsackRule.minimum_percent
    minimum_percent: int = Field(default=0, ge=0, le=100, description="Knapsack: % of the budget to spend.")
    minimum_projects: int = Field(
        default=1, ge=0, le=500, description="Knapsack: projects to choose at least."
    )
    min_projects: int = Field(default=1, ge=0, le=500, description="Approval and knapsack range: minimum.")
    max_projects: int = Field(
        default=0, ge=0, le=500, description="Approval and knapsack range: maximum (0: no maximum)."
    )
    cap_to_budget: bool = Field(
        default=False, description="Knapsack range: the chosen projects' total cost must also fit the budget."
    )
    points_total: int = Field(default=10, ge=1, le=10_000, description="Cumulative: points to distribute.")
    max_points_per_project: int = Field(
        default=10, ge=1, le=10_000, description="Cumulative: at most this many points on one project."
    )
    require_all_points: bool = Field(default=False, description="Cumulative: every point must be given.")
    workflow: Workflow = Workflow.one
    citywide_budgets: int = Field(
        default=0, ge=0, le=50, description="District workflow: city-wide budgets a person may also vote in."
    )
    vote_requirements: list[ActionRequirement] = Field(
        default_factory=list, max_length=10, description="Verifications needed to vote."
    )
    vote_reminders: bool = Field(
        default=False,
        description="Mail the reminders that are due to people whose ballot is not cast, automatically (the "
        "service looks every 5 minutes while voting is open and the component is published); "
        "`POST .../reminders` sends them on demand either way.",
    )
    counting_rule: CountingRule = CountingRule.greedy
    compare_with_greedy: bool = Field(
        default=False,
        description="MES rules: keep the greedy outcome instead when strictly more voters prefer it.",
    )

    @model_validator(mode="after")
    def _coherent(self) -> BudgetsComponentSettings:
        if self.max_projects and self.min_projects > self.max_projects:
            raise ValueError("min_projects cannot exceed max_projects")
        if self.max_points_per_project > self.points_total:
            raise ValueError("max_points_per_project cannot exceed points_total")
        return self


class BudgetsStepSettings(BaseModel):
    """What the active phase allows. Without an active phase the defaults apply: voting is disabled."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"votes": "enabled", "show_votes": False}}
    )

    votes: VotesState = Field(default=VotesState.disabled, description="`disabled`, `enabled`, `finished`.")
    show_votes: bool = Field(default=False, description="Projects show their vote counts.")


ComponentContext = kit.ComponentContext[BudgetsComponentSettings, BudgetsStepSettings]
"""A budgets component as the services see it (``civicapi.spaces.kit``)."""
