"""Races: one person, one vote under concurrent submissions, and a budget never exceeded by concurrent
additions. Each race is repeated (``CIVICAPI_RACE_ROUNDS``, default 3; more with ``-m slow``)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.modules.budgets.models import Ballot, BallotItem, Voter
from tests.fixtures.factories import World
from tests.modules.budgets.helpers import CENSUS, make_budget, make_component, make_projects, resident

ROUNDS = int(os.environ.get("CIVICAPI_RACE_ROUNDS", "3"))
RACERS = 100


async def _ballots(db: Database, budget_id: str) -> list[Ballot]:
    async with db.unit_of_work() as session:
        stmt = select(Ballot).where(Ballot.budget_id == uuid.UUID(budget_id))
        return list((await session.execute(stmt)).scalars())


async def _race(
    client: httpx.AsyncClient, calls: list[tuple[str, str, dict[str, Any], dict[str, str]]]
) -> list[httpx.Response]:
    return list(
        await asyncio.gather(
            *(client.request(method, url, json=body, headers=headers) for method, url, body, headers in calls)
        )
    )


@pytest.mark.parametrize("with_key", [False, True], ids=["no-key", "same-key"])
async def test_identical_racing_submissions_give_exactly_one_ballot(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, with_key: bool
) -> None:
    comp = await make_component(client, world, settings={"vote_requirements": CENSUS, "minimum_percent": 50})
    budget = await make_budget(client, world, comp, total=100_000)
    projects = await make_projects(client, world, comp, budget["id"], [40_000, 30_000, 20_000])
    body = {"projects": [projects[0]["id"], projects[1]["id"]]}
    url = comp.ballot(budget["id"])
    for round_ in range(ROUNDS):
        _, person = await resident(db, app, world, f"R-{round_}")
        headers = {**person, "Idempotency-Key": f"key-{round_}"} if with_key else person
        responses = await _race(client, [("POST", url, body, headers)] * RACERS)
        statuses = Counter(r.status_code for r in responses)
        if with_key:
            assert statuses == {201: RACERS}, statuses
            assert len({r.content for r in responses}) == 1
        else:
            assert statuses == {201: 1, 409: RACERS - 1}, statuses
            assert {r.json()["reason"] for r in responses if r.status_code == 409} == {"already_voted"}
        ballots = await _ballots(db, budget["id"])
        assert len(ballots) == round_ + 1
    async with db.unit_of_work() as session:
        voters = (await session.execute(select(func.count()).select_from(Voter))).scalar_one()
        items = (await session.execute(select(func.count()).select_from(BallotItem))).scalar_one()
        votes = select(func.count()).where(AuditEntry.action == "budgets.voter.vote")
        entries = (await session.execute(votes)).scalar_one()
    assert voters == ROUNDS and items == 2 * ROUNDS
    assert entries == ROUNDS  # one audit entry per ballot: none for a refused or replayed submission


async def test_two_accounts_of_one_person_racing(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(client, world, settings={"minimum_percent": 0})
    budget = await make_budget(client, world, comp, total=100)
    project = (await make_projects(client, world, comp, budget["id"], [10]))[0]
    url = comp.ballot(budget["id"])
    for round_ in range(ROUNDS):
        _, a = await resident(db, app, world, f"T-{round_}")
        _, b = await resident(db, app, world, f"T-{round_}", handler="desk")
        body = {"projects": [project["id"]]}
        responses = await _race(client, [("POST", url, body, a), ("POST", url, body, b)] * 10)
        assert Counter(r.status_code for r in responses) == {201: 1, 409: 19}
        assert len(await _ballots(db, budget["id"])) == round_ + 1


async def test_racing_additions_never_exceed_the_budget(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(client, world, settings={"vote_requirements": CENSUS, "minimum_percent": 0})
    budget = await make_budget(client, world, comp, total=100_000)
    projects = await make_projects(client, world, comp, budget["id"], [10_000] * 20 + [35_000])
    url = f"{comp.ballot(budget['id'])}/projects"
    for round_ in range(ROUNDS):
        _, person = await resident(db, app, world, f"S-{round_}")
        calls = [("POST", url, {"project_id": p["id"]}, person) for p in projects]
        calls += [("POST", url, {"project_id": projects[0]["id"]}, person)] * 10  # the same project, racing
        responses = await _race(client, calls)
        statuses = Counter(r.status_code for r in responses)
        assert set(statuses) <= {200, 422}, statuses
        assert {r.json()["reason"] for r in responses if r.status_code == 422} <= {"over_budget"}
        r = await client.get(comp.ballot(budget["id"]), headers=person)
        ballot = r.json()
        assert ballot["total_cost"] <= 100_000
        assert ballot["total_cost"] == sum(line["cost"] for line in ballot["projects"])
        assert len({line["project_id"] for line in ballot["projects"]}) == len(ballot["projects"])
        assert (
            ballot["total_cost"] >= 100_000 - 35_000
        )  # it filled up: only what no longer fitted was refused
    for ballot_row in await _ballots(db, budget["id"]):
        assert 0 <= ballot_row.total_cost <= 100_000


async def test_closing_while_ballots_race_in_seals_every_accepted_ballot(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    """The close waits for ballots being cast and keeps later ones out: every 201 is a sealed ballot of
    the export, nothing cast after it, and no register row still points to a ballot."""
    comp = await make_component(client, world, settings={"vote_requirements": CENSUS, "minimum_percent": 0})
    people = [(await resident(db, app, world, f"C-{i}"))[1] for i in range(12 * ROUNDS)]
    for round_ in range(ROUNDS):
        budget = await make_budget(client, world, comp, total=100)
        project = (await make_projects(client, world, comp, budget["id"], [10]))[0]
        url = comp.ballot(budget["id"])
        ballots = [
            ("POST", url, {"projects": [project["id"]]}, h) for h in people[12 * round_ : 12 * (round_ + 1)]
        ]
        close = client.post(f"{comp.budget(budget['id'])}/close", headers=world.headers("admin"))
        first, later = _race(client, ballots[:6]), _race(client, ballots[6:])
        before, closing, after = await asyncio.gather(first, close, later)
        assert closing.status_code == 200, closing.text
        answers = before + after
        assert {r.status_code for r in answers} <= {201, 403}, [r.text for r in answers]
        assert {r.json()["reason"] for r in answers if r.status_code == 403} <= {"vote_closed"}
        accepted = sum(r.status_code == 201 for r in answers)
        rows = await _ballots(db, budget["id"])
        assert len(rows) == accepted, "every accepted ballot is in the urn, nothing else"
        assert {b.status for b in rows} <= {"sealed"}, "and sealed: none slipped in after the close"
        async with db.unit_of_work() as session:
            linked = (
                select(func.count())
                .select_from(Voter)
                .where(Voter.budget_id == uuid.UUID(budget["id"]), Voter.ballot_id.is_not(None))
            )
            assert (await session.execute(linked)).scalar_one() == 0
