"""The election profile that every counting rule reads: projects, ballots, budget.

Amounts are integers in the commune's currency unit (as in Decidim and Pabulib). Two ballot kinds exist:

* ``approval``: a ballot is the set of project ids the voter approves; a project's *votes* are the number
  of ballots approving it.
* ``cumulative``: a ballot maps project ids to positive points; a project's *votes* are the total points
  it received (its *supporters* are the ballots giving it at least one point).

Algorithms see a ballot through :meth:`Election.weights`: 1 per approved project, or the points given.

Ordering of projects (used for every tie-break in this package, documented once here): project ids
compare in *natural order*: ids are split into digit and non-digit runs and digit runs compare by value,
so ``"2" < "10"`` and ``"c2" < "c10"``; two ids equal in natural order (``"01"`` and ``"1"``) fall back
to plain string order, so the order is total. See :func:`id_key`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

__all__ = ["Ballot", "BallotKind", "Election", "ElectionError", "Project", "id_key"]

_RUNS = re.compile(r"(\d+)")


class ElectionError(ValueError):
    """The profile is inconsistent (unknown project in a ballot, negative cost, duplicate id ...)."""


class BallotKind(StrEnum):
    APPROVAL = "approval"
    CUMULATIVE = "cumulative"


def id_key(project_id: str) -> tuple[tuple[tuple[int, int, str], ...], str]:
    """Natural-order sort key of a project id (``"c2" < "c10"``), total thanks to the raw id at the end."""
    runs = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in _RUNS.split(project_id) if part
    )
    return runs, project_id


@dataclass(frozen=True, slots=True)
class Project:
    """A project put to the vote. ``votes`` is the count as published (e.g. in a Pabulib file), kept for
    information only: the rules always recount from the ballots. ``fields`` holds any other published
    column (``selected``, ``score``, ``category`` ...) as text."""

    id: str
    cost: int
    name: str | None = None
    votes: int | None = None
    fields: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Ballot:
    """One voter's ballot. Approval ballots fill ``approvals``; cumulative ballots fill ``points``
    (project id -> positive points). ``fields`` keeps voter data such as age, sex, district or
    voting_method, as text."""

    voter_id: str
    approvals: frozenset[str] = frozenset()
    points: Mapping[str, int] = field(default_factory=dict, hash=False)
    fields: Mapping[str, str] = field(default_factory=dict, hash=False)

    @classmethod
    def approval(cls, voter_id: str, projects: set[str] | frozenset[str] | list[str]) -> Ballot:
        return cls(voter_id=voter_id, approvals=frozenset(projects))

    @classmethod
    def cumulative(cls, voter_id: str, points: Mapping[str, int]) -> Ballot:
        return cls(voter_id=voter_id, points=dict(points))


@dataclass(frozen=True)
class Election:
    """A participatory-budget election: the budget, the projects (in published order), the ballots, the
    ballot kind and free-form metadata (Pabulib META, as text). Validated on construction."""

    budget: int
    projects: tuple[Project, ...]
    ballots: tuple[Ballot, ...]
    kind: BallotKind = BallotKind.APPROVAL
    meta: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.budget < 0:
            raise ElectionError(f"negative budget {self.budget}")
        ids: set[str] = set()
        for project in self.projects:
            if project.id in ids:
                raise ElectionError(f"duplicate project id {project.id!r}")
            if project.cost < 0:
                raise ElectionError(f"project {project.id!r} has a negative cost")
            ids.add(project.id)
        for ballot in self.ballots:
            if self.kind is BallotKind.APPROVAL:
                if ballot.points:
                    raise ElectionError(f"ballot {ballot.voter_id!r} gives points in an approval election")
                unknown = set(ballot.approvals - ids)
            else:
                if ballot.approvals:
                    raise ElectionError(f"ballot {ballot.voter_id!r} approves in a cumulative election")
                if any(p <= 0 for p in ballot.points.values()):
                    raise ElectionError(f"ballot {ballot.voter_id!r} gives non-positive points")
                unknown = set(ballot.points) - ids
            if unknown:
                raise ElectionError(f"ballot {ballot.voter_id!r} names unknown projects {sorted(unknown)}")

    @cached_property
    def project_index(self) -> dict[str, int]:
        """Project id -> position in :attr:`projects`."""
        return {project.id: i for i, project in enumerate(self.projects)}

    def project(self, project_id: str) -> Project:
        return self.projects[self.project_index[project_id]]

    def weights(self, ballot: Ballot) -> dict[str, int]:
        """What a ballot gives each supported project: 1 per approval, or the points."""
        if self.kind is BallotKind.APPROVAL:
            return dict.fromkeys(ballot.approvals, 1)
        return dict(ballot.points)

    @cached_property
    def votes(self) -> dict[str, int]:
        """Project id -> votes counted from the ballots (approvals, or total points), in project order."""
        totals = dict.fromkeys(self.project_index, 0)
        for ballot in self.ballots:
            for project_id, weight in self.weights(ballot).items():
                totals[project_id] += weight
        return totals

    @cached_property
    def supporters(self) -> dict[str, int]:
        """Project id -> number of ballots supporting it (approving it or giving it points)."""
        totals = dict.fromkeys(self.project_index, 0)
        for ballot in self.ballots:
            for project_id in ballot.approvals or ballot.points:
                totals[project_id] += 1
        return totals

    def priority_key(self, project_id: str) -> tuple[int, int, tuple[tuple[tuple[int, int, str], ...], str]]:
        """The package-wide tie-break order: more votes first, then lower cost, then natural id order."""
        return -self.votes[project_id], self.project(project_id).cost, id_key(project_id)
