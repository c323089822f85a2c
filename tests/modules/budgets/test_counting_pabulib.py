"""Pabulib text <-> Election: the real files parse, round-trip exactly, and the writer is canonical."""

from __future__ import annotations

import pytest

from civicapi.modules.budgets.counting import (
    Ballot,
    BallotKind,
    Election,
    PabulibError,
    Project,
    pabulib_sha256,
    parse_pabulib,
    sha256_text,
    write_pabulib,
)
from tests.modules.budgets.pabulib_data import FILES, load


@pytest.mark.parametrize("name", FILES)
def test_real_file_parses_with_its_declared_sizes(name: str) -> None:
    election = load(name)
    assert len(election.projects) == int(election.meta["num_projects"])
    assert len(election.ballots) == int(election.meta["num_votes"])
    assert election.budget == int(election.meta["budget"])
    assert election.kind.value == election.meta["vote_type"]


@pytest.mark.parametrize("name", FILES)
def test_published_vote_counts_match_the_ballots(name: str) -> None:
    election = load(name)
    for project in election.projects:
        if election.kind is BallotKind.APPROVAL:
            assert project.votes == election.votes[project.id], project.id
        else:  # cumulative files publish voters as votes and points as score
            assert project.votes == election.supporters[project.id], project.id
            assert int(project.fields["score"]) == election.votes[project.id], project.id


@pytest.mark.parametrize("name", FILES)
def test_round_trip_gives_the_same_profile(name: str) -> None:
    election = load(name)
    text = write_pabulib(election)
    again = parse_pabulib(text)
    assert again == election
    assert write_pabulib(again) == text
    assert parse_pabulib(write_pabulib(election, newline="\r\n")) == election
    assert pabulib_sha256(election) == sha256_text(text) == pabulib_sha256(again)


def test_sha256_of_known_text() -> None:
    assert sha256_text("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert sha256_text("é") == "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c"


def test_fields_are_kept() -> None:
    assen = load("Netherlands_Assen_2024.pb")
    podium = assen.project("3")
    assert (podium.cost, podium.name, podium.votes) == (7200, "PopUp Podium", 43)
    assert podium.fields["selected"] == "1"
    assert assen.meta["rule"] == "equalshares/add1"
    warszawa = load("Poland_Warszawa_2023_Praga-Polnoc.pb")
    first = warszawa.ballots[0]
    assert first.voter_id == "2"
    assert dict(first.fields) == {"age": "36", "sex": "F", "voting_method": "internet"}
    assert len(first.approvals) == 15
    assert warszawa.project("61").fields["latitude"] == ""


def test_zurich_ballots_spend_ten_points_over_at_most_ten_projects() -> None:
    zurich = load("Switzerland_Zurich_D10.pb")
    assert zurich.kind is BallotKind.CUMULATIVE
    assert (len(zurich.ballots), len(zurich.projects), zurich.budget) == (180, 24, 60000)
    assert zurich.meta["max_sum_points"] == "10"
    for ballot in zurich.ballots:
        assert sum(ballot.points.values()) == 10, ballot.voter_id
        assert 1 <= len(ballot.points) <= 10, ballot.voter_id
        assert all(p >= 1 for p in ballot.points.values())
    assert zurich.ballots[0].points == {"9": 4, "3": 3, "13": 3}
    assert zurich.ballots[0].fields["district_preference"] == "West"


def test_toulouse_ballots_respect_its_point_limits() -> None:
    toulouse = load("France_Toulouse_2019.pb")
    for ballot in toulouse.ballots:
        assert max(ballot.points.values()) <= 3
        assert sum(ballot.points.values()) <= 7


def test_quoted_fields_and_line_breaks_round_trip() -> None:
    election = Election(
        budget=100,
        projects=(
            Project("1", 40, name='Parc "Nord"; phase 2', votes=1, fields={"note": "line\nbreak"}),
            Project("2", 70, name="Plain", votes=1, fields={"note": ""}),
        ),
        ballots=(Ballot("a", approvals=frozenset({"1", "2"}), fields={"district": "Centre; Est"}),),
        meta={"description": "x;y", "currency": "EUR"},
    )
    text = write_pabulib(election)
    assert '"Parc ""Nord""; phase 2"' in text
    again = parse_pabulib(text)
    assert again.meta == {
        "description": "x;y",
        "currency": "EUR",
        "budget": "100",
        "vote_type": "approval",
        "num_projects": "2",
        "num_votes": "1",
    }
    assert again == Election(election.budget, election.projects, election.ballots, election.kind, again.meta)
    assert parse_pabulib(write_pabulib(again)) == again


def test_crlf_bom_and_float_amounts_are_accepted() -> None:
    text = "\ufeffMETA\r\nkey;value\r\nbudget;100.0\r\nvote_type;approval\r\nPROJECTS\r\nproject_id;cost\r\n"
    text += "p1;60.0\r\np2;50\r\nVOTES\r\nvoter_id;vote\r\nv1;p1,p2\r\nv2;\r\n"
    election = parse_pabulib(text)
    assert election.budget == 100
    assert [p.cost for p in election.projects] == [60, 50]
    assert election.ballots[1].approvals == frozenset()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("PROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n", "before the META"),
        ("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n", "missing section"),
        ("META\nkey;value\nbudget;10.5\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n", "whole amount"),
        (
            "META\nkey;value\nbudget;10\nvote_type;ordinal\nPROJECTS\nproject_id;cost\nVOTES\nvoter_id;vote\n",
            "unsupported vote_type",
        ),
        (
            "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\nv;2\n",
            "unknown",
        ),
        ("META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;5;9\nVOTES\nvoter_id;vote\n", "3 fields"),
        (
            "META\nkey;value\nbudget;10\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;5\n"
            "VOTES\nvoter_id;vote;points\nv;1;1,2\n",
            "do not match",
        ),
    ],
)
def test_invalid_text_is_refused(text: str, message: str) -> None:
    with pytest.raises(PabulibError, match=message):
        parse_pabulib(text)
