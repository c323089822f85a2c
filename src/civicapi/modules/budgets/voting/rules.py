"""The rules of a ballot, as pure functions: what a ballot in progress may hold (caps) and what a cast
ballot must satisfy (every rule). No database: services hand in the ballot's lines and the budget."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from civicapi.modules.budgets.settings import BallotKind, BudgetsComponentSettings, KnapsackRule


@dataclass(frozen=True, slots=True)
class Line:
    project_id: uuid.UUID
    cost: int
    points: int = 1


@dataclass(frozen=True, slots=True)
class Violation:
    reason: str
    detail: str
    figures: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "detail": self.detail, **self.figures}


@dataclass(frozen=True, slots=True)
class Totals:
    total_cost: int
    points_total: int
    projects_count: int


def totals(lines: Iterable[Line]) -> Totals:
    items = list(lines)
    return Totals(
        total_cost=sum(line.cost for line in items),
        points_total=sum(line.points for line in items),
        projects_count=len(items),
    )


def budget_caps_total(settings: BudgetsComponentSettings) -> bool:
    """Whether the chosen projects' total cost must fit the budget."""
    if settings.ballot_kind is not BallotKind.knapsack:
        return False
    return settings.knapsack_rule is not KnapsackRule.projects_range or settings.cap_to_budget


def max_projects(settings: BudgetsComponentSettings) -> int | None:
    """The most projects one ballot may hold, or None."""
    if settings.ballot_kind is BallotKind.approval or (
        settings.ballot_kind is BallotKind.knapsack and settings.knapsack_rule is KnapsackRule.projects_range
    ):
        return settings.max_projects or None
    return None


def minimum_amount(settings: BudgetsComponentSettings, budget_amount: int) -> int:
    """Knapsack with ``minimum_percent``: the least total cost a cast ballot must reach (rounded up)."""
    if settings.ballot_kind is BallotKind.knapsack and settings.knapsack_rule is KnapsackRule.minimum_percent:
        return math.ceil(budget_amount * settings.minimum_percent / 100)
    return 0


def min_projects(settings: BudgetsComponentSettings) -> int:
    kind = settings.ballot_kind
    if kind is BallotKind.knapsack:
        if settings.knapsack_rule is KnapsackRule.minimum_projects:
            return settings.minimum_projects
        if settings.knapsack_rule is KnapsackRule.projects_range:
            return settings.min_projects
        return 0
    if kind is BallotKind.approval:
        return settings.min_projects
    return 0


def check_form(
    settings: BudgetsComponentSettings,
    project_ids: Sequence[uuid.UUID],
    points: Mapping[uuid.UUID, int],
    known: Mapping[uuid.UUID, int],
) -> tuple[list[Line], list[Violation]]:
    """Turn a submitted ballot (``projects`` or ``points``, by kind) into lines; ``known`` maps the
    budget's project ids to their costs."""
    violations: list[Violation] = []
    cumulative = settings.ballot_kind is BallotKind.cumulative
    if cumulative and project_ids:
        violations.append(
            Violation("wrong_ballot_form", "a cumulative ballot gives `points`, not a list of `projects`")
        )
    if not cumulative and points:
        violations.append(Violation("wrong_ballot_form", "this ballot lists `projects`; it gives no points"))
    wanted: list[tuple[uuid.UUID, int]] = (
        list(points.items()) if cumulative else [(pid, 1) for pid in project_ids]
    )
    seen: set[uuid.UUID] = set()
    lines: list[Line] = []
    for pid, given in wanted:
        if pid in seen:
            violations.append(
                Violation("duplicate_project", f"project {pid} is chosen twice", {"project_id": str(pid)})
            )
            continue
        seen.add(pid)
        if pid not in known:
            violations.append(
                Violation(
                    "unknown_project",
                    f"project {pid} is not a project of this budget",
                    {"project_id": str(pid)},
                )
            )
            continue
        if given < 1:
            violations.append(
                Violation("invalid_points", "points must be positive whole numbers", {"project_id": str(pid)})
            )
            continue
        lines.append(Line(pid, known[pid], given))
    return lines, violations


def check_caps(
    settings: BudgetsComponentSettings, budget_amount: int, lines: Sequence[Line]
) -> list[Violation]:
    """What a ballot in progress may never exceed (the budget, the most projects, the points)."""
    t = totals(lines)
    out: list[Violation] = []
    if budget_caps_total(settings) and t.total_cost > budget_amount:
        out.append(
            Violation(
                "over_budget",
                f"the chosen projects cost {t.total_cost}, more than the budget of {budget_amount}",
                {
                    "total_cost": t.total_cost,
                    "budget": budget_amount,
                    "remaining": budget_amount - t.total_cost,
                },
            )
        )
    most = max_projects(settings)
    if most is not None and t.projects_count > most:
        out.append(
            Violation(
                "too_many_projects",
                f"at most {most} projects",
                {"max_projects": most, "count": t.projects_count},
            )
        )
    if settings.ballot_kind is BallotKind.cumulative:
        if t.points_total > settings.points_total:
            out.append(
                Violation(
                    "too_many_points",
                    f"{t.points_total} points given, at most {settings.points_total}",
                    {"points_total": settings.points_total, "given": t.points_total},
                )
            )
        over = [line for line in lines if line.points > settings.max_points_per_project]
        if over:
            out.append(
                Violation(
                    "too_many_points_for_project",
                    f"at most {settings.max_points_per_project} points on one project",
                    {
                        "max_points_per_project": settings.max_points_per_project,
                        "project_ids": [str(line.project_id) for line in over],
                    },
                )
            )
    return out


def check_addition(
    settings: BudgetsComponentSettings, budget_amount: int, lines: Sequence[Line], line: Line
) -> list[Violation]:
    """Why ``line`` cannot join a ballot holding ``lines``; ``remaining`` is what is left before it."""
    out = []
    left = budget_amount - totals(lines).total_cost
    for v in check_caps(settings, budget_amount, [*lines, line]):
        if v.reason == "over_budget":
            v = Violation(
                "over_budget",
                f"the project costs {line.cost}; {left} is left",
                {"remaining": left, "cost": line.cost, "budget": budget_amount},
            )
        out.append(v)
    return out


def check_complete(
    settings: BudgetsComponentSettings, budget_amount: int, lines: Sequence[Line]
) -> list[Violation]:
    """Every rule a cast ballot must satisfy: the caps, plus the minimums."""
    out = check_caps(settings, budget_amount, lines)
    t = totals(lines)
    if not lines:
        out.append(Violation("empty_ballot", "choose at least one project"))
        return out
    floor_amount = minimum_amount(settings, budget_amount)
    if t.total_cost < floor_amount:
        out.append(
            Violation(
                "below_minimum_amount",
                f"spend at least {floor_amount} ({settings.minimum_percent} % of the budget)",
                {
                    "minimum_amount": floor_amount,
                    "total_cost": t.total_cost,
                    "missing": floor_amount - t.total_cost,
                },
            )
        )
    least = min_projects(settings)
    if t.projects_count < least:
        out.append(
            Violation(
                "too_few_projects",
                f"choose at least {least} projects",
                {"min_projects": least, "count": t.projects_count},
            )
        )
    if (
        settings.ballot_kind is BallotKind.cumulative
        and settings.require_all_points
        and t.points_total < settings.points_total
    ):
        out.append(
            Violation(
                "points_not_all_spent",
                f"give all {settings.points_total} points",
                {"points_total": settings.points_total, "given": t.points_total},
            )
        )
    return out


def rules_summary(settings: BudgetsComponentSettings, budget_amount: int) -> dict[str, Any]:
    """The rules as figures a front-end shows next to the ballot."""
    return {
        "ballot_kind": settings.ballot_kind.value,
        "knapsack_rule": settings.knapsack_rule.value
        if settings.ballot_kind is BallotKind.knapsack
        else None,
        "budget": budget_amount,
        "budget_caps_total": budget_caps_total(settings),
        "minimum_amount": minimum_amount(settings, budget_amount),
        "min_projects": min_projects(settings),
        "max_projects": max_projects(settings),
        "points_total": settings.points_total if settings.ballot_kind is BallotKind.cumulative else None,
        "max_points_per_project": (
            settings.max_points_per_project if settings.ballot_kind is BallotKind.cumulative else None
        ),
        "require_all_points": settings.require_all_points
        if settings.ballot_kind is BallotKind.cumulative
        else None,
    }
