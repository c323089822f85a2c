"""Closing a vote (secrecy: nothing links a ballot to a person any more), the published export and its
digest, counting in the request or in the background, published results, open-data exports, erasure."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.modules.budgets.counting import greedy, parse_pabulib
from civicapi.modules.budgets.models import Ballot, IdempotencyRecord, Voter
from civicapi.modules.budgets.results import repository as repository_urn
from tests.fixtures.factories import World
from tests.identity.verification_helpers import upload_census
from tests.modules.budgets.helpers import (
    CENSUS,
    Comp,
    assert_problem,
    make_budget,
    make_component,
    make_projects,
    resident,
)

SETTINGS = {"vote_requirements": CENSUS, "minimum_percent": 0, "counting_rule": "greedy"}
VOTES = [[0, 1], [0, 2], [0], [1, 2], [3]]


async def _voted(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> tuple[Comp, dict[str, Any], list[str], list[dict[str, str]], list[str]]:
    comp = await make_component(client, world, settings=SETTINGS)
    budget = await make_budget(client, world, comp, total=100_000)
    ids = [
        p["id"]
        for p in await make_projects(client, world, comp, budget["id"], [50_000, 40_000, 30_000, 90_000])
    ]
    url = comp.ballot(budget["id"])
    people, ballot_ids = [], []
    for i, choice in enumerate(VOTES):
        _, headers = await resident(db, app, world, f"V-{i}")
        r = await client.post(
            url, json={"projects": [ids[c] for c in choice]}, headers={**headers, "Idempotency-Key": f"k{i}"}
        )
        assert r.status_code == 201, r.text
        people.append(headers)
        ballot_ids.append(r.json()["id"])
    # a draft never cast, and a paper ballot
    _, drafter = await resident(db, app, world, "D-1")
    await client.post(f"{url}/projects", json={"project_id": ids[3]}, headers=drafter)
    assert (await upload_census(client, world)).status_code in (200, 201)
    r = await client.post(
        f"{comp.budget(budget['id'])}/paper-ballots",
        json={"identifier": "90.02.14-123.45", "projects": [ids[3]]},
        headers=world.headers("staff"),
    )
    assert r.status_code == 201, r.text
    return comp, budget, ids, [*people, drafter], ballot_ids


async def test_close_seals_and_unlinks_then_count_and_publish(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp, budget, ids, people, ballot_ids = await _voted(client, world, db, app)
    burl = comp.budget(budget["id"])
    r = await client.post(f"{burl}/count-runs", json={}, headers=world.headers("admin"))
    assert assert_problem(r, 409)["reason"] == "vote_not_closed"
    assert_problem(await client.get(f"{burl}/ballots.pb"), 404)
    assert_problem(await client.get(f"{burl}/results"), 404)
    assert_problem(await client.post(f"{burl}/close", headers=world.headers("participant")), 403)

    r = await client.post(f"{burl}/close", headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    closed = r.json()
    assert closed["closed_at"] and closed["voting_open"] is False and len(closed["ballots_sha256"]) == 64
    assert (
        assert_problem(await client.post(f"{burl}/close", headers=world.headers("admin")), 409)["reason"]
        == "vote_closed"
    )

    # secrecy: nothing stored links a ballot to a person
    async with db.unit_of_work() as session:
        voters = list((await session.execute(select(Voter))).scalars())
        ballots = list((await session.execute(select(Ballot))).scalars())
        records = list((await session.execute(select(IdempotencyRecord))).scalars())
        audit = list((await session.execute(select(AuditEntry))).scalars())
    assert len(voters) == 6 and all(v.ballot_id is None and v.status == "voted" for v in voters)
    assert len(ballots) == 6 and all(b.status == "sealed" for b in ballots)
    assert not {str(b.id) for b in ballots} & set(ballot_ids)
    assert sorted(b.position for b in ballots if b.position is not None) == list(range(1, 7))
    assert records == []
    ballot_texts = {str(b.id) for b in ballots} | set(ballot_ids)
    for entry in audit:
        assert str(entry.resource_id) not in ballot_texts
        assert not any(text in repr(entry.changes) for text in ballot_texts)
    paper = [e for e in audit if e.action == "budgets.voter.paper_vote"]
    assert len(paper) == 1 and paper[0].actor_id == world.users["staff"].id
    r = await client.get(comp.ballot(budget["id"]), headers=people[0])
    assert assert_problem(r, 404)["reason"] == "ballot_sealed"
    r = await client.post(comp.ballot(budget["id"]), json={"projects": [ids[0]]}, headers=people[-1])
    assert assert_problem(r, 403)["reason"] == "vote_closed"

    # the published export: its digest, and anyone recomputes the outcome from it
    r = await client.get(f"{burl}/ballots.pb")
    assert r.status_code == 200
    assert hashlib.sha256(r.content).hexdigest() == closed["ballots_sha256"] == r.headers["X-Content-SHA256"]
    election = parse_pabulib(r.text)
    assert len(election.ballots) == 6 and election.budget == 100_000
    assert sorted(b.fields["voting_method"] for b in election.ballots) == ["internet"] * 5 + ["paper"]
    recount = greedy(election)

    # counting: forbidden to others, in the request for small elections
    assert_problem(await client.post(f"{burl}/count-runs", json={}, headers=world.headers("staff")), 403)
    r = await client.post(f"{burl}/count-runs", json={}, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["status"] == "done" and run["ballots_sha256"] == closed["ballots_sha256"]
    r = await client.get(f"{burl}/results")
    assert r.status_code == 200, r.text
    results = r.json()
    code = {p["id"]: p["code"] for p in (await client.get(comp.projects(budget["id"]))).json()["items"]}
    assert [code[p["project_id"]] for p in results["projects"] if p["selected"]] == sorted(recount.selected)
    assert results["rule"] == recount.rule and results["total_cost"] == recount.total_cost
    by_id = {p["project_id"]: p for p in results["projects"]}
    assert by_id[ids[0]]["votes"] == 3 and by_id[ids[0]]["selected"] is True and by_id[ids[0]]["rank"] == 1
    assert by_id[ids[3]]["selected"] is False and by_id[ids[3]]["reason"] == "over_budget"
    assert 0 < results["satisfied_share"] <= 1
    projects = (await client.get(comp.projects(budget["id"]), params={"selected": True})).json()["items"]
    assert {p["id"] for p in projects} == {pid for pid, p in by_id.items() if p["selected"]}
    assert all(p["votes"] is not None for p in projects)

    # open data
    r = await client.get(f"{burl}/export", params={"format": "csv", "locale": "fr"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 4 and rows[0]["title"] == "Projet 1" and rows[0]["selected"] == "true"
    r = await client.get(f"{burl}/export")
    assert r.status_code == 200 and len(r.json()) == 4 and r.json()[3]["reason"] == "over_budget"

    # a background count, polled
    r = await client.post(
        f"{burl}/count-runs",
        json={"background": True, "rule": "mes_add1", "publish": False},
        headers=world.headers("admin"),
    )
    assert r.status_code == 202, r.text
    run_url = r.headers["Location"]
    r = await client.get(run_url, headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["rule"] == "mes_add1"
    assert (await client.get(f"{burl}/results")).json()["rule"] == recount.rule  # not published
    r = await client.post(f"{run_url}/publish", headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["rule"].startswith("mes")
    r = await client.get(f"{burl}/count-runs", headers=world.headers("admin"))
    assert len(r.json()) == 2
    assert_problem(await client.get(f"{burl}/count-runs/{uuid.uuid4()}", headers=world.headers("admin")), 404)


async def test_erasure_keeps_votes_counted(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(client, world, settings=SETTINGS)
    budget = await make_budget(client, world, comp, total=100)
    pid = (await make_projects(client, world, comp, budget["id"], [10]))[0]["id"]
    _, anne = await resident(db, app, world, "E-1")
    assert (
        await client.post(comp.ballot(budget["id"]), json={"projects": [pid]}, headers=anne)
    ).status_code == 201
    r = await client.get("/v1/me/export", headers=anne)
    assert r.status_code == 200
    votes = r.json()["modules"]["budgets"]["votes"]
    assert votes[0]["status"] == "voted" and votes[0]["choices"] == [{"project_id": pid, "points": 1}]
    assert (await client.delete("/v1/me", headers=anne)).status_code in (200, 204)
    async with db.unit_of_work() as session:
        voters = list((await session.execute(select(Voter))).scalars())
    assert len(voters) == 1 and voters[0].user_id is None and voters[0].status == "voted"
    await client.post(f"{comp.budget(budget['id'])}/close", headers=world.headers("admin"))
    assert (
        await client.post(f"{comp.budget(budget['id'])}/count-runs", json={}, headers=world.headers("admin"))
    ).status_code == 201
    results = (await client.get(f"{comp.budget(budget['id'])}/results")).json()
    assert results["voters"] == 1 and results["projects"][0]["votes"] == 1


async def test_sealing_in_chunks_keeps_every_ballot_and_writes_the_urn_in_its_new_order(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database copies the ballots a chunk at a time and the export is read a partition at a time: with
    chunks and partitions of 2, every cast ballot is in the export with exactly its choices. The
    new rows lie in the table in their new (random) order, never in the order ballots were cast."""
    for name in ("CHUNK", "ARRAY_CHUNK", "PARTITION"):
        monkeypatch.setattr(repository_urn, name, 2)
    comp, budget, ids, _, ballot_ids = await _voted(client, world, db, app)
    burl = comp.budget(budget["id"])
    r = await client.post(f"{burl}/close", headers=world.headers("admin"))
    assert r.status_code == 200, r.text

    code = {p["id"]: p["code"] for p in (await client.get(comp.projects(budget["id"]))).json()["items"]}
    cast = sorted(sorted(code[ids[c]] for c in choice) for choice in [*VOTES, [3]])
    election = parse_pabulib((await client.get(f"{burl}/ballots.pb")).text)
    assert sorted(sorted(b.approvals) for b in election.ballots) == cast
    assert [b.voter_id for b in election.ballots] == [str(n) for n in range(1, 7)]

    physical = "ctid" if db.engine.dialect.name == "postgresql" else "rowid"
    async with db.engine.connect() as conn:
        positions = (
            await conn.execute(text(f"SELECT position, id FROM budgets_ballot ORDER BY {physical}"))
        ).all()
        items = (
            await conn.execute(
                text(
                    "SELECT b.position FROM budgets_ballot_item i JOIN budgets_ballot b ON b.id = i.ballot_id"
                    f" ORDER BY i.{physical}"
                )
            )
        ).scalars()
        in_table = list(items)
    assert [row[0] for row in positions] == list(range(1, 7))
    assert not {str(row[1]) for row in positions} & set(ballot_ids)
    assert len(in_table) == sum(len(c) for c in [*VOTES, [3]]) and in_table == sorted(in_table)
