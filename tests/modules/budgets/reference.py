"""Slow, literal reference implementations of the counting rules, written straight from their definitions
(one voter at a time, exact fractions, every increment of add1 rerun) to check the fast ones against."""

from __future__ import annotations

from fractions import Fraction

from civicapi.modules.budgets.counting.model import Election


def greedy_reference(election: Election, *, stop: bool = False) -> list[str]:
    """Repeatedly take, among projects not yet considered, the one with most votes (then lower cost, then
    natural id order): fund it if it fits, else skip it (or stop)."""
    left = election.budget
    considered: set[str] = set()
    chosen: list[str] = []
    while len(considered) < len(election.projects):
        best = None
        for p in election.projects:
            if p.id in considered:
                continue
            if best is None or election.priority_key(p.id) < election.priority_key(best):
                best = p.id
        assert best is not None
        considered.add(best)
        if election.votes[best] == 0:
            continue
        cost = election.project(best).cost
        if cost <= left:
            chosen.append(best)
            left -= cost
        elif stop:
            break
    return chosen


def mes_reference(
    election: Election, share: Fraction, *, cost_utility: bool = True
) -> tuple[list[str], dict[str, list[Fraction]]]:
    """MES with additive utilities u_i(p) = weight_i(p) * (cost(p) if cost_utility else 1): each voter
    starts with ``share``; fund the affordable project minimising alpha, where supporter i pays
    min(alpha * u_i(p), budget_i) and the payments add up to the cost. Returns the selection and, for
    each funded project, every voter's payment."""
    n = len(election.ballots)
    weights = [election.weights(b) for b in election.ballots]
    budget = [share] * n
    remaining = {p.id for p in election.projects if election.votes[p.id] > 0}
    chosen: list[str] = []
    payments: dict[str, list[Fraction]] = {}
    while True:
        best: tuple[Fraction, str] | None = None
        for pid in remaining:
            cost = election.project(pid).cost
            scale = cost if cost_utility else 1
            sup = [i for i in range(n) if pid in weights[i]]
            if sum(budget[i] for i in sup) < cost:
                continue
            if cost == 0:
                alpha = Fraction(0)
            else:
                # the unique alpha with sum_i min(alpha * u_i, b_i) = cost: the voters paying their whole
                # budget are a prefix of the supporters sorted by b_i / u_i; try every prefix
                order = sorted(sup, key=lambda i: budget[i] / (weights[i][pid] * scale))
                alpha = Fraction(-1)
                for j in range(len(order)):
                    paid = sum((budget[i] for i in order[:j]), Fraction(0))
                    candidate = (cost - paid) / sum(weights[i][pid] * scale for i in order[j:])
                    if sum(min(candidate * weights[i][pid] * scale, budget[i]) for i in sup) == cost:
                        alpha = candidate
                        break
                assert alpha >= 0
            key = (alpha, election.priority_key(pid))
            if best is None or key < (best[0], election.priority_key(best[1])):
                best = (alpha, pid)
        if best is None:
            return chosen, payments
        alpha, pid = best
        cost = election.project(pid).cost
        scale = cost if cost_utility else 1
        pay = [Fraction(0)] * n
        for i in range(n):
            if pid in weights[i]:
                pay[i] = min(alpha * weights[i][pid] * scale, budget[i])
                budget[i] -= pay[i]
        assert sum(pay) == cost
        payments[pid] = pay
        chosen.append(pid)
        remaining.discard(pid)


def add1_reference(
    election: Election, *, cost_utility: bool = True, limit: int = 100_000
) -> tuple[list[str], int]:
    """Rerun MES with every voter's share raised by 1, 2, ... units; keep the last outcome that fits the
    budget, stopping when the next one does not fit or when every supported project is funded."""
    n = len(election.ballots)
    supported = sum(1 for p in election.projects if election.votes[p.id] > 0)
    k = 0
    current, _ = mes_reference(election, Fraction(election.budget, n), cost_utility=cost_utility)
    while len(current) < supported and k < limit:
        nxt, _ = mes_reference(election, Fraction(election.budget, n) + k + 1, cost_utility=cost_utility)
        if sum(election.project(p).cost for p in nxt) > election.budget:
            break
        current, k = nxt, k + 1
    return current, k
