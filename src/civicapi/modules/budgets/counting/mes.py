"""Method of Equal Shares (MES) with the "add1" completion, exact and fast.

**MES** (Peters & Skowron 2020; Peters, Pierczyński & Skowron 2021), with additive utilities. Voter i's
utility for project p is ``u_i(p) = w_i(p) * scale(p)`` where ``w_i(p)`` is what the ballot gives p (1 for
an approval, the points of a cumulative ballot, 0 otherwise) and ``scale(p)`` is ``cost(p)`` for *cost
utilities* (:attr:`Utility.COST`, the default for approval ballots, as equalshares.net and the cities of
the Pabulib golden files use) or 1 for *plain utilities* (:attr:`Utility.PLAIN`: one unit per approval, or
utility = points, the default for cumulative ballots).

1. Every voter starts with the same share ``budget / n`` of the budget (n = number of ballots).
2. A remaining project p is *affordable* when its supporters together still hold at least ``cost(p)``.
   For such p let ``rho_p`` be the unique payment per unit of weight with
   ``sum_i min(rho_p * w_i(p), b_i) = cost(p)`` (supporter i pays ``min(rho_p * w_i(p), b_i)``: the same
   amount per unit of weight, or everything it has left), and ``alpha_p = rho_p / scale(p)`` the payment
   per unit of utility (with cost utilities and approval ballots ``rho_p`` is the largest payment of a
   supporter and ``alpha_p = rho_p / cost(p)``, i.e. the reciprocal of equalshares.net's "effective vote
   count"). ``rho_p`` is found by sorting supporters by ``b_i / w_i``: the ones below the running
   ``rho = (cost - paid by poorer ones) / (their remaining weight)`` pay everything they have.
3. Fund the affordable project with the smallest ``alpha``; ties go to more votes (approvals, or total
   points), then lower cost, then natural project-id order. Its supporters pay as in 2.
4. Repeat until no remaining project is affordable. Projects without votes are never funded.

Cost or plain utilities? With approval ballots, minimising ``rho`` itself (plain utilities) is the
textbook rule; the cities' published outcomes are reproduced only by cost utilities (minimising
``rho / cost``, as equalshares.net computes): in Assen, plain utilities would also fund project 7.

**add1 completion** (as the cities above used it): plain MES often leaves money unspent, so rerun it with
every voter's starting share raised by 1, 2, 3 ... currency units (the virtual budget grows by n units a
step) and keep the last outcome whose total cost still fits the real budget: continue while the *next*
outcome fits, stop at the first one that exceeds the budget (:attr:`Add1Stop.OVER_BUDGET`, default), or
once every supported project is funded. Two other stop conditions exist: :attr:`Add1Stop.EXACT` also
stops at the first outcome that spends the budget exactly, :attr:`Add1Stop.EXHAUSTIVE` at the first
outcome after which no unfunded supported project fits in the money left (pabutools'
``exhaustive_stop``). No greedy completion is applied afterwards.

The outcomes along the way are not monotone in the share: a larger share can fund fewer or cheaper
projects, so the outcome kept can spend *less* than plain MES (e.g. budget 75, projects 1-4 costing 30,
30, 20, 10, cumulative ballots {2: 2}, {4: 2, 1: 1, 2: 3, 3: 3}, {1: 1, 2: 1, 3: 1}: plain MES funds 2, 3
and 4 for 60, add1 ends on 2 and 3 for 50, exactly as pabutools' ``exhaustion_by_budget_increase``). We
keep the published rule, so that anyone recounting with another implementation gets the same outcome.

Speed. Money is exact without :class:`~fractions.Fraction`: integers over one common denominator ``D``
(a payment ``rho = n0 / (left * D)`` rescales every budget by what ``n0`` lacks to be divisible), so all
comparisons and ties are exact. Voters with equal budgets share a *class* (everybody starts in one; the
supporters of a funded project move, class by class, to new classes), so evaluating a project counts its
supporters per class in C (:class:`collections.Counter`) and does the arithmetic once per class. Because
budgets only decrease during a run, a project's ``alpha`` never decreases from one round to the next:
its last ``alpha`` is a lower bound, so a round evaluates projects in order of that bound (floats,
correctly rounded, only to order them) and stops as soon as the bound exceeds the best ``alpha`` found
(the equalshares.net speed-up); a project found unaffordable stays so.

add1 does not rerun MES at every increment when it can prove the outcome unchanged. For a fixed selection
order, raising every starting share can only raise every later budget (a richer supporter pays less or
the same) and so only lower every ``alpha`` (*monotonicity*). Hence if the runs at increments ``k`` and
``k + T`` select the same projects in the same order and, in every round, each other remaining project's
``alpha`` at ``k + T`` is still above the winner's ``alpha`` at ``k`` (ties: as in rule 3), every
increment in between selects that same sequence: at any ``t`` in between the winner is at most its
``alpha`` at ``k``, every other project at least its ``alpha`` at ``k + T``, and projects unaffordable
at ``k + T`` are unaffordable before. The loop probes ``k + T`` with doubling ``T`` while this holds and
falls back to single steps where it fails, so its result is identical to rerunning at every increment
(the tests check this against a literal implementation).
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from math import gcd, lcm
from operator import mul

from .model import BallotKind, Election
from .outcome import Outcome, Reason, build_outcome

__all__ = ["Add1Stop", "MesPayments", "Utility", "equal_shares", "equal_shares_add1", "equal_shares_payments"]

_ZERO = Fraction(0)


class Utility(StrEnum):
    COST = "cost"
    PLAIN = "plain"


class Add1Stop(StrEnum):
    OVER_BUDGET = "over_budget"
    EXACT = "exact"
    EXHAUSTIVE = "exhaustive"


@dataclass(frozen=True)
class MesPayments:
    """What every voter paid for every funded project in one MES run (ballot order)."""

    share: Fraction
    selected: tuple[str, ...]
    payments: dict[str, tuple[Fraction, ...]]


# An exact alpha n / d (d > 0), and an evaluation: alpha, n0 = rho * left * D, left (remaining weight).
_Alpha = tuple[int, int]
_Eval = tuple[_Alpha, int, int, list[tuple[int, list[int], list[int], list[int]]]]


@dataclass
class _Run:
    share: Fraction
    selected: list[int]
    alphas: list[_Alpha]
    """The winner's alpha in each round."""
    certified: bool = False
    """Same selection order as the reference run at every share in between (see the docstring)."""
    payments: dict[int, dict[int, Fraction]] = field(default_factory=dict)


class _Profile:
    """The election as arrays: projects by index, each with its supporters grouped by weight."""

    def __init__(self, election: Election, utility: Utility) -> None:
        self.election = election
        self.ids = [p.id for p in election.projects]
        self.cost = [p.cost for p in election.projects]
        self.scale = [max(c, 1) if utility is Utility.COST else 1 for c in self.cost]
        order = sorted(range(len(self.ids)), key=lambda q: election.priority_key(self.ids[q]))
        self.rank = [0] * len(self.ids)
        for position, q in enumerate(order):
            self.rank[q] = position
        index = election.project_index
        by_weight: list[dict[int, list[int]]] = [{} for _ in self.ids]
        for voter, ballot in enumerate(election.ballots):
            if election.kind is BallotKind.APPROVAL:
                for pid in ballot.approvals:
                    by_weight[index[pid]].setdefault(1, []).append(voter)
            else:
                for pid, w in ballot.points.items():
                    by_weight[index[pid]].setdefault(w, []).append(voter)
        self.sup = [sorted(groups.items()) for groups in by_weight]
        self.weight = [sum(w * len(vs) for w, vs in groups) for groups in self.sup]
        self.lcm = lcm(1, *(w for groups in self.sup for w, _ in groups))
        self.n = len(election.ballots)

    def run(self, share: Fraction, *, ref: _Run | None = None, record: bool = False) -> _Run:
        """One exact MES run at the given starting share. With ``ref`` (a run at a smaller share), also
        checks the monotonicity certificate of the module docstring against it."""
        cost, scale, rank, sup, lcm_w = self.cost, self.scale, self.rank, self.sup, self.lcm
        denominator = share.denominator
        beta = [0, share.numerator]  # class budgets (times D); class 0: those with nothing left
        live = [2]  # classes in use at the last clean-up
        cls = [1] * self.n
        payments: dict[int, dict[int, Fraction]] = {}
        pristine = True

        def evaluate(q: int) -> _Eval | None:
            price = cost[q] * denominator
            if pristine and len(sup[q]) == 1 and sup[q][0][0] == 1:  # round 1, approvals: all pay alike
                if share.numerator * self.weight[q] < price:
                    return None
                return (price, self.weight[q] * denominator * scale[q]), price, self.weight[q], []
            groups: list[tuple[int, list[int], list[int], list[int]]] = []  # weight, classes, voters, budgets
            money = 0
            for w, voters in sup[q]:
                counts = Counter(map(cls.__getitem__, voters))
                classes, sizes = list(counts), list(counts.values())
                budgets = list(map(beta.__getitem__, classes))
                money += sum(map(mul, budgets, sizes))
                groups.append((w, classes, sizes, budgets))
            if money < price:
                return None
            left, paid = self.weight[q], 0
            if price and any(min(budgets) * left < w * price for w, _, _, budgets in groups):
                # some cannot pay rho = price / left: the poorest per unit of weight pay all they have
                keys: list[int] = []
                entries: list[tuple[int, int, int]] = []
                for w, _, sizes, budgets in groups:
                    keys += budgets if w == lcm_w else [b * (lcm_w // w) for b in budgets]
                    entries += zip(budgets, sizes, [w] * len(sizes), strict=True)
                for i in sorted(range(len(keys)), key=keys.__getitem__):
                    b, m, w = entries[i]
                    if b * left >= w * (price - paid):
                        break
                    paid += m * b
                    left -= m * w
            return ((price - paid), left * denominator * scale[q]), price - paid, left, groups

        def fund(
            q: int, n0: int, left: int, groups: list[tuple[int, list[int], list[int], list[int]]]
        ) -> None:
            nonlocal denominator, pristine
            factor = left // gcd(n0, left)  # rho = n0 / (left * D): rescale only by what n0 lacks
            n0 //= left // factor
            if factor > 1:
                denominator *= factor
                beta[:] = map(factor.__mul__, beta)
            if pristine:  # everybody is still in class 1
                groups = [(w, [1], [len(voters)], [beta[1]]) for w, voters in sup[q]]
            pristine = False
            for (w, voters), (_, classes, _, _) in zip(sup[q], groups, strict=True):
                pay = w * n0
                targets: dict[int, int] = {}
                for c in classes:  # everyone in class c pays min(w * rho, budget): a new class each
                    if beta[c] > pay:
                        targets[c] = len(beta)
                        beta.append(beta[c] - pay)
                    else:
                        targets[c] = 0
                before = list(map(cls.__getitem__, voters))
                moved = list(map(targets.__getitem__, before))
                if record:
                    paid = payments.setdefault(q, {})
                    for v, a, b in zip(voters, before, moved, strict=True):
                        paid[v] = Fraction(beta[a] - beta[b], denominator)
                deque(map(cls.__setitem__, voters, moved), maxlen=0)
            if len(beta) > 2 * live[0] + 64 + len(cls) // 8:  # forget the classes nobody is in any more
                used = sorted(set(cls) | {0})
                renumber = dict(zip(used, range(len(used)), strict=True))
                beta[:] = map(beta.__getitem__, used)
                cls[:] = map(renumber.__getitem__, cls)
                live[0] = len(used)

        def before(a: _Alpha, qa: int, b: _Alpha, qb: int) -> bool:
            """(alpha a, project qa) is strictly ahead of (alpha b, project qb)."""
            lhs, rhs = a[0] * b[1], b[0] * a[1]
            return lhs < rhs or (lhs == rhs and rank[qa] < rank[qb])

        remaining = [q for q in range(len(cost)) if self.weight[q] > 0]
        lower: dict[int, _Alpha] = {}
        approx: dict[int, float] = dict.fromkeys(remaining, -1.0)
        selected: list[int] = []
        alphas: list[_Alpha] = []
        certified = ref is not None
        while remaining:
            remaining.sort(key=lambda q: (approx[q], rank[q]))
            best: tuple[int, _Eval] | None = None
            for q in list(remaining):
                if best is not None and q in lower:
                    if approx[q] > approx[best[0]] * (1 + 1e-12):
                        break  # both floats are correctly rounded, so the exact bound is larger too
                    if not before(lower[q], q, best[1][0], best[0]):
                        continue
                found = evaluate(q)
                if found is None:
                    remaining.remove(q)
                    continue
                lower[q], approx[q] = found[0], found[0][0] / found[0][1]
                if best is None or before(found[0], q, best[1][0], best[0]):
                    best = (q, found)
            if best is None:
                break
            q, (alpha, n0, left, groups) = best
            remaining.remove(q)
            if certified and ref is not None:
                r = len(selected)
                certified = r < len(ref.selected) and ref.selected[r] == q
                for other in list(remaining) if certified else []:
                    if not before(lower[other], other, ref.alphas[r], q):
                        continue  # its lower bound is already behind the reference winner
                    found = evaluate(other)
                    if found is None:
                        remaining.remove(other)
                        continue
                    lower[other], approx[other] = found[0], found[0][0] / found[0][1]
                    if before(found[0], other, ref.alphas[r], q):
                        certified = False
                        break
            fund(q, n0, left, groups)
            selected.append(q)
            alphas.append(alpha)
        certified = certified and ref is not None and len(selected) == len(ref.selected)
        return _Run(share, selected, alphas, certified, payments)


def _default_utility(election: Election, utility: Utility | str | None) -> Utility:
    if utility is None:
        return Utility.COST if election.kind is BallotKind.APPROVAL else Utility.PLAIN
    return Utility(utility)


def _outcome(profile: _Profile, run: _Run, rule: str, details: dict[str, int | Fraction | str]) -> Outcome:
    election = profile.election
    selected = [profile.ids[q] for q in run.selected]
    reasons = {
        pid: Reason.NOT_AFFORDABLE_BY_SUPPORTERS
        for pid in election.project_index
        if election.votes[pid] > 0 and pid not in set(selected)
    }
    details = {"share_per_voter": run.share, "virtual_budget": run.share * profile.n, **details}
    return build_outcome(election, rule, selected, reasons, details)


def equal_shares(election: Election, *, utility: Utility | str | None = None) -> Outcome:
    """Plain MES (no completion). ``utility`` defaults to cost utilities for approval ballots and to
    points for cumulative ballots."""
    chosen = _default_utility(election, utility)
    profile = _Profile(election, chosen)
    if profile.n == 0:
        return build_outcome(election, f"mes[{chosen}]", [], {}, {"utility": chosen.value})
    run = profile.run(Fraction(election.budget, profile.n))
    return _outcome(profile, run, f"mes[{chosen}]", {"utility": chosen.value})


def _fits_no_more(profile: _Profile, run: _Run, budget: int) -> bool:
    left = budget - sum(profile.cost[q] for q in run.selected)
    funded = set(run.selected)
    return all(
        profile.cost[q] > left for q in range(len(profile.cost)) if profile.weight[q] > 0 and q not in funded
    )


def equal_shares_add1(
    election: Election,
    *,
    utility: Utility | str | None = None,
    stop: Add1Stop | str = Add1Stop.OVER_BUDGET,
    jumps: bool = True,
) -> Outcome:
    """MES with the add1 completion (see the module docstring for the stop conditions). The outcome's
    details give the ``increment`` (units added to each share), ``share_per_voter``, ``virtual_budget``
    and ``runs`` (MES runs computed). ``jumps=False`` reruns MES at every increment (same result,
    slower: for audits and tests)."""
    chosen, stop = _default_utility(election, utility), Add1Stop(stop)
    rule = f"mes[{chosen}]/add1" + ("" if stop is Add1Stop.OVER_BUDGET else f"[{stop}]")
    profile = _Profile(election, chosen)
    if profile.n == 0:
        return build_outcome(election, rule, [], {}, {"utility": chosen.value, "increment": 0})
    base = Fraction(election.budget, profile.n)
    supported = sum(1 for w in profile.weight if w > 0)

    def spent(run: _Run) -> int:
        return sum(profile.cost[q] for q in run.selected)

    # Jumps double while certified; after a failed jump, more unchanged single steps are needed before
    # the next attempt (patience doubles), so outcomes that change often cost few wasted probes.
    k, runs, step, streak, patience = 0, 1, 1, 0, 1
    current = profile.run(base)
    while len(current.selected) < supported:
        if stop is Add1Stop.EXACT and spent(current) == election.budget:
            break
        if stop is Add1Stop.EXHAUSTIVE and _fits_no_more(profile, current, election.budget):
            break
        jumping = jumps and streak >= patience
        probe = profile.run(base + k + (step if jumping else 1), ref=current if jumping else None)
        runs += 1
        if jumping:
            if probe.certified:
                k, current, step, patience = k + step, probe, step * 2, max(1, patience // 2)
            else:
                step, streak, patience = 2, 0, min(patience * 2, 64)
            continue
        if spent(probe) > election.budget:
            break
        streak = streak + 1 if probe.selected == current.selected else 0
        k, current = k + 1, probe
    details: dict[str, int | Fraction | str] = {"utility": chosen.value, "increment": k, "runs": runs}
    return _outcome(profile, current, rule, details)


def equal_shares_payments(
    election: Election, *, utility: Utility | str | None = None, increment: int = 0
) -> MesPayments:
    """Run MES with every share raised by ``increment`` units and return each voter's payments (for
    audits and tests: every funded project is paid exactly, nobody pays more than their share)."""
    profile = _Profile(election, _default_utility(election, utility))
    share = Fraction(election.budget, profile.n) + increment if profile.n else _ZERO
    run = profile.run(share, record=True) if profile.n else _Run(share, [], [])
    payments = {
        profile.ids[q]: tuple(paid.get(v, _ZERO) for v in range(profile.n))
        for q, paid in run.payments.items()
    }
    return MesPayments(share, tuple(profile.ids[q] for q in run.selected), payments)
