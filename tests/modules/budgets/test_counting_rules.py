"""Hand-computed examples for every rule, variant, tie-break and explanation."""

from __future__ import annotations

from fractions import Fraction

import pytest

from civicapi.modules.budgets.counting import (
    Add1Stop,
    Ballot,
    BallotKind,
    Election,
    ElectionError,
    Project,
    Reason,
    Utility,
    compare_with_greedy,
    equal_shares,
    equal_shares_add1,
    equal_shares_payments,
    greedy,
    id_key,
)
from tests.modules.budgets.reference import add1_reference, mes_reference


def approval(budget: int, costs: dict[str, int], ballots: list[set[str]]) -> Election:
    return Election(
        budget=budget,
        projects=tuple(Project(pid, cost) for pid, cost in costs.items()),
        ballots=tuple(Ballot.approval(f"v{i}", b) for i, b in enumerate(ballots, start=1)),
    )


def fractions(*amounts: int) -> tuple[Fraction, ...]:
    return tuple(Fraction(a) for a in amounts)


def three_projects(b_cost: int) -> Election:
    """4 voters, budget 100 (share 25): A (60) by v1-v3, B by v3-v4, C (30) by v4 alone."""
    return approval(100, {"A": 60, "B": b_cost, "C": 30}, [{"A"}, {"A"}, {"A", "B"}, {"B", "C"}])


def test_greedy_skip_and_stop() -> None:
    election = approval(
        100,
        {"P1": 60, "P2": 50, "P3": 40, "P4": 10},
        [{"P1", "P2", "P3"}, {"P1", "P2", "P3"}, {"P1", "P2"}, {"P1"}],
    )
    skip = greedy(election)
    assert skip.selected == ("P1", "P3")
    assert (skip.total_cost, skip.leftover) == (100, 0)
    assert [r.reason for r in skip.projects] == [None, Reason.OVER_BUDGET, None, Reason.NO_VOTES]
    assert [r.rank for r in skip.projects] == [1, None, 2, None]
    assert [r.votes for r in skip.projects] == [4, 3, 2, 0]
    stop = greedy(election, variant="stop")
    assert stop.selected == ("P1",)
    assert [r.reason for r in stop.projects] == [None, Reason.OVER_BUDGET, Reason.STOPPED, Reason.NO_VOTES]
    assert (stop.rule, skip.rule) == ("greedy/stop", "greedy/skip")


def test_greedy_ties_lower_cost_then_natural_id_order() -> None:
    election = approval(10, {"10": 10, "2": 10, "9": 10, "x": 9}, [{"10", "2", "9", "x"}])
    assert greedy(election).selected == ("x",)  # same votes: the cheaper first
    election = approval(10, {"10": 10, "2": 10, "9": 10}, [{"10", "2", "9"}])
    assert greedy(election).selected == ("2",)  # same votes and cost: "2" < "9" < "10"
    assert sorted(["c10", "c2", "b", "10", "9", "01", "1"], key=id_key) == [
        "01",
        "1",
        "9",
        "10",
        "b",
        "c2",
        "c10",
    ]


def test_mes_pays_with_equal_shares_and_stops_when_nothing_is_affordable() -> None:
    election = three_projects(40)
    outcome = equal_shares(election)
    # A: rho 20 each of 3 (alpha 1/3); B: rho 20 (alpha 1/2); C: 25 < 30 unaffordable. Then B: 5 + 25 < 40.
    assert outcome.selected == ("A",)
    unaffordable = Reason.NOT_AFFORDABLE_BY_SUPPORTERS
    assert [r.reason for r in outcome.projects] == [None, unaffordable, unaffordable]
    assert outcome.details["share_per_voter"] == 25
    assert outcome.satisfied_voters == 3 and outcome.satisfied_share == Fraction(3, 4)
    payments = equal_shares_payments(election)
    assert payments.payments == {"A": fractions(20, 20, 20, 0)}


def test_mes_voters_short_of_money_pay_all_they_have() -> None:
    election = three_projects(40)
    payments = equal_shares_payments(election, increment=5)  # share 30
    # A: 20 each; B: v3 has 10 < rho so pays 10, v4 pays 30 (alpha 3/4 beats C's 1); C then unaffordable
    assert payments.selected == ("A", "B")
    assert payments.payments["B"] == fractions(0, 0, 10, 30)
    assert payments.share == 30


@pytest.mark.parametrize(
    ("b_cost", "stop", "selected", "increment"),
    [
        (40, Add1Stop.OVER_BUDGET, ("A", "B"), 24),  # C joins at share 50 (k = 25): 130 > 100
        (40, Add1Stop.EXACT, ("A", "B"), 5),  # 100 spent exactly from share 30 on
        (40, Add1Stop.EXHAUSTIVE, ("A", "B"), 5),
        (35, Add1Stop.OVER_BUDGET, ("A", "B"), 22),  # C joins at share 47.5, i.e. k = 23
        (35, Add1Stop.EXACT, ("A", "B"), 22),  # never exactly 100
        (35, Add1Stop.EXHAUSTIVE, ("A", "B"), 3),  # 95 spent, C (30) no longer fits
    ],
)
def test_add1_stop_variants(b_cost: int, stop: Add1Stop, selected: tuple[str, ...], increment: int) -> None:
    election = three_projects(b_cost)
    outcome = equal_shares_add1(election, stop=stop)
    assert outcome.selected == selected
    assert outcome.details["increment"] == increment
    assert outcome.details["share_per_voter"] == 25 + increment
    if stop is Add1Stop.OVER_BUDGET:
        assert add1_reference(election) == (list(selected), increment)


def test_add1_stops_once_everything_supported_is_funded() -> None:
    election = approval(1000, {"a": 10, "b": 20, "z": 5}, [{"a"}, {"b"}])
    outcome = equal_shares_add1(election)
    assert set(outcome.selected) == {"a", "b"}
    assert outcome.details["increment"] == 0  # share 500 already pays everything
    assert outcome.result("z").reason is Reason.NO_VOTES


def test_mes_ties_lower_cost_then_more_votes_then_id() -> None:
    # cost utilities: a (10) and b (20) both by both voters: alpha 1/2 each, the cheaper first
    assert equal_shares(approval(30, {"b": 20, "a": 10}, [{"a", "b"}, {"a", "b"}])).selected == ("a", "b")
    # identical projects: natural id order
    assert equal_shares(approval(10, {"10": 10, "2": 10}, [{"10", "2"}, {"10", "2"}])).selected == ("2",)
    # points: "b" (3 points from v1, cost 15) and "a" (1 + 1 points, cost 10) both cost 5 a point; more
    # votes (3 points) first although "a" < "b"
    election = Election(
        budget=45,
        projects=(Project("a", 10), Project("b", 15)),
        ballots=(
            Ballot.cumulative("v1", {"b": 3}),
            Ballot.cumulative("v2", {"a": 1}),
            Ballot.cumulative("v3", {"a": 1}),
        ),
        kind=BallotKind.CUMULATIVE,
    )
    assert equal_shares(election).selected == ("b", "a")
    assert equal_shares_payments(election).payments == {"b": fractions(15, 0, 0), "a": fractions(0, 5, 5)}


def test_cumulative_mes_pays_in_proportion_to_points() -> None:
    election = Election(
        budget=30,
        projects=(Project("p", 12), Project("q", 30)),
        ballots=(Ballot.cumulative("v1", {"p": 2, "q": 1}), Ballot.cumulative("v2", {"p": 1, "q": 2})),
        kind=BallotKind.CUMULATIVE,
    )
    # share 15; p: 4 per point -> v1 pays 8, v2 pays 4; q: v1 has 7, v2 11 < 30: unaffordable
    payments = equal_shares_payments(election)
    assert payments.payments == {"p": fractions(8, 4)}
    assert equal_shares(election).rule == "mes[plain]"
    cost_utility = equal_shares(election, utility=Utility.COST)
    assert cost_utility.selected == ("p",) and cost_utility.rule == "mes[cost]"


def test_both_utilities_match_the_reference() -> None:
    election = approval(
        90, {"a": 30, "b": 45, "c": 20, "d": 60}, [{"a", "b"}, {"b", "d"}, {"a", "c", "d"}, {"c"}, {"b", "c"}]
    )
    for utility, cost_utility in ((Utility.COST, True), (Utility.PLAIN, False)):
        expected, _ = mes_reference(election, Fraction(90, 5), cost_utility=cost_utility)
        assert list(equal_shares(election, utility=utility).selected) == expected


def test_compare_keeps_mes_unless_more_voters_strictly_prefer_greedy() -> None:
    election = approval(10, {"big": 10, "s1": 5, "s2": 5}, [{"big"}, {"big"}, {"big"}, {"s1"}, {"s2"}])
    comparison = compare_with_greedy(election, mes=equal_shares(election))
    assert comparison.mes.selected == ()  # share 2: nothing is affordable
    assert comparison.greedy.selected == ("big",)
    assert (comparison.prefer_mes, comparison.prefer_greedy, comparison.indifferent) == (0, 3, 2)
    assert comparison.chose_greedy
    tie = approval(10, {"x": 10, "y": 10}, [{"x"}, {"y"}])
    kept = compare_with_greedy(tie, mes=greedy(tie, variant="skip"), greedy_outcome=greedy(tie))
    assert (kept.prefer_mes, kept.prefer_greedy) == (0, 0) and kept.chosen is kept.mes


def test_invalid_elections_are_refused() -> None:
    with pytest.raises(ElectionError, match="unknown"):
        approval(10, {"a": 1}, [{"b"}])
    with pytest.raises(ElectionError, match="duplicate"):
        Election(10, (Project("a", 1), Project("a", 2)), ())
    with pytest.raises(ElectionError, match="negative"):
        Election(10, (Project("a", -1),), ())
    with pytest.raises(ElectionError, match="non-positive"):
        Election(10, (Project("a", 1),), (Ballot.cumulative("v", {"a": 0}),), kind=BallotKind.CUMULATIVE)


def test_no_voters() -> None:
    empty = approval(10, {"a": 5}, [])
    assert equal_shares(empty).selected == equal_shares_add1(empty).selected == greedy(empty).selected == ()
    assert equal_shares(empty).satisfied_share == 0
