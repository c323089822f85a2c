"""The result of a counting rule, explained project by project.

An :class:`Outcome` lists the funded projects in the order the rule selected them, their total cost, and
for every project (in the election's order) its votes, supporters, cost, whether it was funded, its rank
in the selection and, when it was not funded, why (:class:`Reason`):

* ``over_budget``: greedy reached it when it no longer fitted in what was left of the budget;
* ``stopped``: greedy's ``stop`` variant had already stopped at an earlier project that did not fit;
* ``not_affordable_by_supporters``: MES ended with this project's supporters unable to pay its cost from
  what was left of their shares;
* ``no_votes``: nobody voted for it; no rule funds a project without votes.

It also counts the voters with at least one funded project among those they supported
(:attr:`Outcome.satisfied_voters`, :attr:`Outcome.satisfied_share`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from .model import Election

__all__ = ["Outcome", "ProjectResult", "Reason", "build_outcome"]


class Reason(StrEnum):
    OVER_BUDGET = "over_budget"
    STOPPED = "stopped"
    NOT_AFFORDABLE_BY_SUPPORTERS = "not_affordable_by_supporters"
    NO_VOTES = "no_votes"


@dataclass(frozen=True, slots=True)
class ProjectResult:
    project_id: str
    cost: int
    votes: int
    """Approvals, or total points for cumulative ballots (counted from the ballots)."""
    supporters: int
    selected: bool
    rank: int | None = None
    """1-based position in the selection order, None when not funded."""
    reason: Reason | None = None
    """Why it was not funded, None when funded."""


@dataclass(frozen=True)
class Outcome:
    rule: str
    """``greedy/skip``, ``greedy/stop``, ``mes`` or ``mes/add1`` (with the utility, e.g. ``mes[cost]``)."""
    budget: int
    selected: tuple[str, ...]
    """Funded project ids in selection order."""
    total_cost: int
    projects: tuple[ProjectResult, ...]
    """One entry per project, in the election's order."""
    voters: int
    satisfied_voters: int
    """Voters with at least one funded project among those they supported."""
    details: Mapping[str, int | Fraction | str] = field(default_factory=dict, hash=False)
    """Rule-specific figures, e.g. MES's ``share_per_voter`` or add1's ``increment``."""

    @property
    def satisfied_share(self) -> Fraction:
        """Share of voters with at least one funded project they supported (0 when nobody voted)."""
        return Fraction(self.satisfied_voters, self.voters) if self.voters else Fraction(0)

    @property
    def selected_set(self) -> frozenset[str]:
        return frozenset(self.selected)

    @property
    def leftover(self) -> int:
        return self.budget - self.total_cost

    def result(self, project_id: str) -> ProjectResult:
        for entry in self.projects:
            if entry.project_id == project_id:
                return entry
        raise KeyError(project_id)


def build_outcome(
    election: Election,
    rule: str,
    selected: Iterable[str],
    reasons: Mapping[str, Reason],
    details: Mapping[str, int | Fraction | str] | None = None,
) -> Outcome:
    """Assemble an :class:`Outcome`; projects neither selected nor in ``reasons`` get ``no_votes`` when
    nobody voted for them (rules must give every other unfunded project a reason)."""
    order = tuple(selected)
    rank = {pid: i for i, pid in enumerate(order, start=1)}
    entries = []
    for project in election.projects:
        votes = election.votes[project.id]
        reason = None
        if project.id not in rank:
            reason = reasons.get(project.id, Reason.NO_VOTES if votes == 0 else None)
            if reason is None:
                raise ValueError(f"no reason given for unfunded project {project.id!r}")
        entries.append(
            ProjectResult(
                project_id=project.id,
                cost=project.cost,
                votes=votes,
                supporters=election.supporters[project.id],
                selected=project.id in rank,
                rank=rank.get(project.id),
                reason=reason,
            )
        )
    funded = set(order)
    satisfied = sum(
        1 for ballot in election.ballots if not funded.isdisjoint(ballot.approvals or ballot.points)
    )
    return Outcome(
        rule=rule,
        budget=election.budget,
        selected=order,
        total_cost=sum(election.project(pid).cost for pid in order),
        projects=tuple(entries),
        voters=len(election.ballots),
        satisfied_voters=satisfied,
        details=dict(details or {}),
    )
