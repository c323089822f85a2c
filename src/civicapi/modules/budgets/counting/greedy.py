"""Greedy counting by votes (the rule of most city participatory budgets, e.g. Warszawa, Toulouse).

Rule: consider the projects by decreasing *votes* (approval ballots: number of approvals; cumulative
ballots: total points); ties are broken by lower cost first, then by natural project-id order
(:func:`~civicapi.modules.budgets.counting.model.id_key`). Each project in turn is funded when its cost
fits in what is left of the budget. A project nobody voted for is never funded (reason ``no_votes``).

Two variants for a project that does not fit:

* ``skip`` (default): leave it (reason ``over_budget``) and go on with the next ones, which may fit;
* ``stop``: stop there (that project gets ``over_budget``, every later project ``stopped``).

Runs in O(p log p) for p projects once votes are counted.
"""

from __future__ import annotations

from enum import StrEnum

from .model import Election
from .outcome import Outcome, Reason, build_outcome

__all__ = ["GreedyVariant", "greedy"]


class GreedyVariant(StrEnum):
    SKIP = "skip"
    STOP = "stop"


def greedy(election: Election, *, variant: GreedyVariant | str = GreedyVariant.SKIP) -> Outcome:
    """Greedy selection by votes; see the module docstring for the order, ties and variants."""
    variant = GreedyVariant(variant)
    left = election.budget
    selected: list[str] = []
    reasons: dict[str, Reason] = {}
    stopped = False
    for pid in sorted(election.project_index, key=election.priority_key):
        if election.votes[pid] == 0:
            reasons[pid] = Reason.NO_VOTES
        elif stopped:
            reasons[pid] = Reason.STOPPED
        elif election.project(pid).cost <= left:
            selected.append(pid)
            left -= election.project(pid).cost
        else:
            reasons[pid] = Reason.OVER_BUDGET
            stopped = variant is GreedyVariant.STOP
    return build_outcome(election, f"greedy/{variant.value}", selected, reasons)
