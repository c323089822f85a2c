"""Supports: one per person per proposal, the person's limit, the minimum before supports count (pending,
``remaining``), the proposal's threshold, the phase (enabled, blocked, hidden), requirements; and the
races: 50 concurrent requests never break a limit, a threshold or the one-support rule."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import func, select

from civicapi.core.db.session import Database
from civicapi.identity.verification.service import grant_verification
from civicapi.modules.proposals.models import Participation, Proposal, Support
from tests.fixtures.factories import World
from tests.identity.verification_helpers import headers_of, make_people
from tests.modules.proposals.helpers import OPEN_STEP, Comp, assert_problem, configure, create, make_component


async def _proposals(client: httpx.AsyncClient, world: World, comp: Comp, n: int) -> list[dict[str, Any]]:
    return [await create(client, comp, world.headers("admin"), official=True) for _ in range(n)]


async def _counts(db: Database) -> dict[str, tuple[int, int]]:
    async with db.unit_of_work() as session:
        rows = (
            await session.execute(
                select(Proposal.id, Proposal.supports_count, Proposal.pending_supports_count)
            )
        ).all()
    return {str(pid): (counted, pending) for pid, counted, pending in rows}


async def _support_rows(db: Database) -> int:
    async with db.unit_of_work() as session:
        return int((await session.execute(select(func.count()).select_from(Support))).scalar_one())


async def test_support_once_and_take_it_back(client: httpx.AsyncClient, world: World, db: Database) -> None:
    comp = await make_component(client, world)
    (proposal,) = await _proposals(client, world, comp, 1)
    url = comp.proposal(proposal["id"])
    me = world.headers("participant")
    assert_problem(await client.post(url + "/supports"), 401)
    r = await client.post(url + "/supports", headers=me)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "counted" and body["supports_count"] == 1
    assert body["participation"]["supports_given"] == 1 and body["participation"]["remaining"] == 0
    again = await client.post(url + "/supports", headers=me)
    assert again.status_code == 200 and again.json() == body
    assert await _support_rows(db) == 1
    read = (await client.get(url, headers=me)).json()
    assert read["supports_count"] == 1 and read["my_support"] == "counted"
    assert (await client.delete(url + "/supports/mine", headers=me)).status_code == 204
    assert_problem(await client.delete(url + "/supports/mine", headers=me), 404)
    assert (await client.get(url)).json()["supports_count"] == 0
    assert await _support_rows(db) == 0


async def test_duplicate_concurrent_supports_make_one_row(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    (proposal,) = await _proposals(client, world, comp, 1)
    url = comp.proposal(proposal["id"]) + "/supports"
    responses = await asyncio.gather(
        *(client.post(url, headers=world.headers("participant")) for _ in range(50))
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 200: 49}, [r.text for r in responses][:3]
    assert await _support_rows(db) == 1
    assert (await _counts(db))[proposal["id"]] == (1, 0)


async def test_the_limit_holds_under_fifty_concurrent_supports(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(client, world, settings={"support_limit": 3})
    proposals = await _proposals(client, world, comp, 52)
    (person,) = await make_people(db, 1)
    h = headers_of(app, person)
    for p in proposals[:2]:  # limit - 1
        assert (await client.post(comp.proposal(p["id"]) + "/supports", headers=h)).status_code == 201
    responses = await asyncio.gather(
        *(client.post(comp.proposal(p["id"]) + "/supports", headers=h) for p in proposals[2:])
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 49}
    assert {r.json()["reason"] for r in responses if r.status_code == 409} == {"support_limit_reached"}
    assert await _support_rows(db) == 3
    counts = await _counts(db)
    assert sum(c for c, _ in counts.values()) == 3
    async with db.unit_of_work() as session:
        tally = (await session.execute(select(Participation.supports_count))).scalar_one()
    assert tally == 3


async def test_the_threshold_holds_when_fifty_people_race_for_the_last_supports(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(client, world, settings={"threshold_per_proposal": 5})
    (proposal,) = await _proposals(client, world, comp, 1)
    url = comp.proposal(proposal["id"]) + "/supports"
    people = await make_people(db, 53)
    for person in people[:3]:
        assert (await client.post(url, headers=headers_of(app, person))).status_code == 201
    responses = await asyncio.gather(*(client.post(url, headers=headers_of(app, p)) for p in people[3:]))
    assert Counter(r.status_code for r in responses) == {201: 2, 409: 48}
    assert {r.json()["reason"] for r in responses if r.status_code == 409} == {"threshold_reached"}
    assert (await _counts(db))[proposal["id"]] == (5, 0)
    assert await _support_rows(db) == 5


async def test_supports_may_accumulate_beyond_the_threshold(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    settings = {"threshold_per_proposal": 1, "can_accumulate_supports_beyond_threshold": True}
    comp = await make_component(client, world, settings=settings)
    (proposal,) = await _proposals(client, world, comp, 1)
    for person in await make_people(db, 3):
        r = await client.post(comp.proposal(proposal["id"]) + "/supports", headers=headers_of(app, person))
        assert r.status_code == 201
    assert (await _counts(db))[proposal["id"]] == (3, 0)


async def test_supports_stay_pending_until_the_minimum(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(
        client, world, settings={"minimum_supports_per_person": 3, "support_limit": 5}
    )
    proposals = await _proposals(client, world, comp, 4)
    me = world.headers("participant")

    async def support(i: int) -> dict[str, Any]:
        r = await client.post(comp.proposal(proposals[i]["id"]) + "/supports", headers=me)
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    first = await support(0)
    assert first["status"] == "pending" and first["supports_count"] == 0
    assert first["participation"] == {
        "supports_given": 1,
        "support_limit": 5,
        "supports_left": 4,
        "minimum_supports": 3,
        "remaining": 2,
        "proposals_created": 0,
        "proposal_limit": None,
    }
    assert (await support(1))["participation"]["remaining"] == 1
    third = await support(2)
    assert third["status"] == "counted" and third["participation"]["remaining"] == 0
    counts = await _counts(db)
    assert [counts[p["id"]] for p in proposals] == [(1, 0), (1, 0), (1, 0), (0, 0)]
    assert (await support(3))["status"] == "counted"
    mine = (await client.get(comp.proposals, params={"supported": True}, headers=me)).json()["items"]
    assert {p["my_support"] for p in mine} == {"counted"} and len(mine) == 4
    # back under the minimum: the other supports are pending again
    for i in (3, 2):
        r = await client.delete(comp.proposal(proposals[i]["id"]) + "/supports/mine", headers=me)
        assert r.status_code == 204
    counts = await _counts(db)
    assert [counts[p["id"]] for p in proposals] == [(0, 1), (0, 1), (0, 0), (0, 0)]
    participation = (await client.get(f"{comp.url}/participation", headers=me)).json()
    assert participation["supports_given"] == 2 and participation["remaining"] == 1


async def test_the_phase_decides(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    (proposal,) = await _proposals(client, world, comp, 1)
    url = comp.proposal(proposal["id"])
    me = world.headers("participant")
    assert (await client.post(url + "/supports", headers=me)).status_code == 201
    await configure(client, world, comp, step={**OPEN_STEP, "supports_blocked": True})
    body = assert_problem(await client.post(url + "/supports", headers=world.headers("staff")), 403)
    assert body["reason"] == "supports_blocked"
    assert_problem(await client.delete(url + "/supports/mine", headers=me), 403)
    assert (await client.get(url)).json()["supports_count"] == 1
    await configure(client, world, comp, step={**OPEN_STEP, "supports_hidden": True})
    assert (await client.get(url)).json()["supports_count"] is None
    assert (await client.get(url, headers=world.headers("admin"))).json()["supports_count"] == 1
    r = await client.post(url + "/supports", headers=world.headers("staff"))
    assert r.status_code == 201 and r.json()["supports_count"] is None
    body = assert_problem(await client.get(comp.proposals, params={"sort": "-supports_count"}), 422)
    assert body["reason"] == "supports_hidden"
    await configure(client, world, comp, step={"creation_enabled": True})
    body = assert_problem(await client.post(url + "/supports", headers=world.headers("valuator")), 403)
    assert body["reason"] == "supports_disabled"


async def test_only_supportable_proposals(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    me = world.headers("participant")
    draft = await create(client, comp, me, publish=False)
    assert_problem(await client.post(comp.proposal(draft["id"]) + "/supports", headers=me), 409)
    (rejected, withdrawn) = await _proposals(client, world, comp, 2)
    r = await client.put(
        comp.proposal(rejected["id"]) + "/answer", json={"state": "rejected"}, headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text
    body = assert_problem(await client.post(comp.proposal(rejected["id"]) + "/supports", headers=me), 409)
    assert body["reason"] == "state_not_supportable"
    own = await create(client, comp, me)
    assert (await client.post(comp.proposal(own["id"]) + "/withdraw", headers=me)).status_code == 200
    body = assert_problem(await client.post(comp.proposal(own["id"]) + "/supports", headers=me), 409)
    assert body["reason"] == "withdrawn"
    del withdrawn


async def test_requirements_give_a_machine_readable_reason(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    requirement = {"handler": "census", "conditions": {"districts": ["Outremeuse"]}}
    comp = await make_component(client, world, settings={"support_requirements": [requirement]})
    (proposal,) = await _proposals(client, world, comp, 1)
    url = comp.proposal(proposal["id"]) + "/supports"
    me = world.headers("participant")
    body = assert_problem(await client.post(url, headers=me), 403)
    assert body["reason"] == "requirements_not_met" and body["requirement"]["status"] == "missing"
    async with db.unit_of_work() as session:
        await grant_verification(
            session,
            commune_id=world.alpha.id,
            user_id=world.users["participant"].id,
            handler="census",
            identity_key="key-participant",
            metadata={"district": "Centre", "birth_year": 1990},
        )
    body = assert_problem(await client.post(url, headers=me), 403)
    assert body["requirement"]["status"] == "unauthorized"
    assert body["requirement"]["failed_conditions"][0]["condition"] == "districts"
    assert await _support_rows(db) == 0
