"""Property-based tests on small random elections: the fast rules agree with literal reference
implementations, respect the budget, and MES payments are exact."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicapi.modules.budgets.counting import (
    Ballot,
    BallotKind,
    Election,
    Project,
    Utility,
    equal_shares,
    equal_shares_add1,
    equal_shares_payments,
    greedy,
    parse_pabulib,
    write_pabulib,
)
from tests.modules.budgets.reference import add1_reference, greedy_reference, mes_reference

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def elections(draw: st.DrawFn, kind: BallotKind | None = None, max_budget: int = 120) -> Election:
    """Up to 6 projects and 8 voters; costs from a small set so that exact ties are frequent."""
    kind = kind or draw(st.sampled_from(list(BallotKind)))
    n_projects = draw(st.integers(1, 6))
    ids = [str(i) for i in range(1, n_projects + 1)]
    costs = draw(
        st.lists(st.sampled_from([0, 5, 10, 10, 20, 30, 45, 60]), min_size=n_projects, max_size=n_projects)
    )
    projects = tuple(Project(pid, cost, name=f"Project {pid}") for pid, cost in zip(ids, costs, strict=True))
    n_voters = draw(st.integers(1, 8))
    ballots = []
    for v in range(n_voters):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=n_projects))
        if kind is BallotKind.APPROVAL:
            ballots.append(Ballot.approval(f"v{v}", chosen))
        else:
            points = draw(st.lists(st.integers(1, 3), min_size=len(chosen), max_size=len(chosen)))
            ballots.append(Ballot.cumulative(f"v{v}", dict(zip(chosen, points, strict=True))))
    return Election(draw(st.integers(0, max_budget)), projects, tuple(ballots), kind)


def spent(election: Election, selected: tuple[str, ...] | list[str]) -> int:
    return sum(election.project(pid).cost for pid in selected)


@SETTINGS
@given(elections())
def test_greedy_matches_the_literal_definition_and_fits(election: Election) -> None:
    for stop in (False, True):
        outcome = greedy(election, variant="stop" if stop else "skip")
        assert list(outcome.selected) == greedy_reference(election, stop=stop)
        assert outcome.total_cost == spent(election, outcome.selected) <= election.budget


@SETTINGS
@given(elections(), st.booleans())
def test_mes_matches_the_literal_definition(election: Election, cost_utility: bool) -> None:
    utility = Utility.COST if cost_utility else Utility.PLAIN
    outcome = equal_shares(election, utility=utility)
    expected, _ = mes_reference(
        election, Fraction(election.budget, len(election.ballots)), cost_utility=cost_utility
    )
    assert list(outcome.selected) == expected
    assert outcome.total_cost <= election.budget


@SETTINGS
@given(elections(max_budget=80), st.booleans())
def test_add1_matches_rerunning_at_every_increment(election: Election, cost_utility: bool) -> None:
    utility = Utility.COST if cost_utility else Utility.PLAIN
    outcome = equal_shares_add1(election, utility=utility)
    selected, increment = add1_reference(election, cost_utility=cost_utility)
    assert (list(outcome.selected), outcome.details["increment"]) == (selected, increment)


@SETTINGS
@given(elections(), st.booleans())
def test_add1_fits_the_budget(election: Election, cost_utility: bool) -> None:
    utility = Utility.COST if cost_utility else Utility.PLAIN
    completed = equal_shares_add1(election, utility=utility)
    assert completed.total_cost == spent(election, completed.selected) <= election.budget


def test_add1_may_spend_less_than_plain_mes_as_the_published_rule_does() -> None:
    """add1 keeps the last outcome that fits before the first that does not; the outcomes along the way
    are not monotone, so that outcome can spend less than plain MES (found by hypothesis; pabutools'
    ``exhaustion_by_budget_increase`` gives the same {2, 3} for 50). We count by the published rule,
    so that anyone recounting with another implementation gets the same result."""
    election = Election(
        75,
        (Project("1", 30), Project("2", 30), Project("3", 20), Project("4", 10)),
        (
            Ballot.cumulative("v0", {"2": 2}),
            Ballot.cumulative("v1", {"4": 2, "1": 1, "2": 3, "3": 3}),
            Ballot.cumulative("v2", {"1": 1, "2": 1, "3": 1}),
        ),
        BallotKind.CUMULATIVE,
    )
    plain, completed = equal_shares(election), equal_shares_add1(election)
    assert (sorted(plain.selected), plain.total_cost) == (["2", "3", "4"], 60)
    assert (sorted(completed.selected), completed.total_cost) == (["2", "3"], 50)
    assert completed.details["increment"] == 9
    assert (list(completed.selected), 9) == add1_reference(election, cost_utility=False)


@SETTINGS
@given(elections(), st.integers(0, 40), st.booleans())
def test_mes_payments_cover_each_cost_within_each_share(
    election: Election, increment: int, cost_utility: bool
) -> None:
    utility = Utility.COST if cost_utility else Utility.PLAIN
    result = equal_shares_payments(election, utility=utility, increment=increment)
    share = Fraction(election.budget, len(election.ballots)) + increment
    assert result.share == share
    assert list(result.selected) == list(result.payments)
    for pid, paid in result.payments.items():
        assert sum(paid) == election.project(pid).cost
        for ballot, amount in zip(election.ballots, paid, strict=True):
            assert amount >= 0
            assert amount == 0 or pid in election.weights(ballot)
    for voter in range(len(election.ballots)):
        assert sum(paid[voter] for paid in result.payments.values()) <= share


@SETTINGS
@given(elections())
def test_pabulib_round_trip(election: Election) -> None:
    text = write_pabulib(election)
    again = parse_pabulib(text)
    assert (again.budget, again.projects, again.ballots, again.kind) == (
        election.budget,
        election.projects,
        election.ballots,
        election.kind,
    )
    assert write_pabulib(again) == text
