"""States and answers: built-in and custom states, answers with costs, answers held and published in bulk,
and the events other modules read (``proposals.published``, ``proposals.answered``)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.session import Database
from civicapi.core.events import Event
from civicapi.modules.proposals import contract
from tests.fixtures.factories import World
from tests.modules.proposals.helpers import (
    OPEN_STEP,
    assert_problem,
    configure,
    count_rows,
    create,
    make_component,
)


def _recorder(db: Database, *names: str) -> list[Event]:
    received: list[Event] = []

    async def record(event: Event, session: AsyncSession) -> None:
        received.append(event)

    for name in names:
        db.bus.subscribe(name, record)
    return received


async def test_states_builtin_and_custom(client: httpx.AsyncClient, world: World, db: Database) -> None:
    comp = await make_component(client, world)
    states = (await client.get(f"{comp.url}/states")).json()["items"]
    assert [s["token"] for s in states] == ["evaluating", "accepted", "rejected"]
    assert [s["allows_supports"] for s in states] == [True, True, False]
    admin = world.headers("admin")
    body = {"token": "feasible", "name": {"fr": "Faisable", "nl": "Haalbaar"}}
    assert_problem(await client.post(f"{comp.url}/states", json=body, headers=world.headers("valuator")), 403)
    r = await client.post(f"{comp.url}/states", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json() == {
        "token": "feasible",
        "name": {"fr": "Faisable", "nl": "Haalbaar"},
        "allows_supports": True,
        "accepted": False,
        "builtin": False,
        "position": 3,
    }
    assert assert_problem(await client.post(f"{comp.url}/states", json=body, headers=admin), 409)[
        "reason"
    ] == ("token_taken")
    for bad in ({**body, "token": "Bad Token"}, {**body, "token": "other", "name": {"xx": "?"}}):
        assert_problem(await client.post(f"{comp.url}/states", json=bad, headers=admin), 422)
    r = await client.patch(f"{comp.url}/states/feasible", json={"allows_supports": False}, headers=admin)
    assert r.status_code == 200 and r.json()["allows_supports"] is False
    assert_problem(
        await client.patch(f"{comp.url}/states/accepted", json={"accepted": False}, headers=admin), 409
    )
    proposal = await create(client, comp, world.headers("participant"))
    r = await client.put(comp.proposal(proposal["id"]) + "/answer", json={"state": "feasible"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == {"token": "feasible", "name": {"fr": "Faisable", "nl": "Haalbaar"}}
    assert assert_problem(await client.delete(f"{comp.url}/states/feasible", headers=admin), 409)[
        "reason"
    ] == ("state_in_use")
    r = await client.put(
        comp.proposal(proposal["id"]) + "/answer", json={"state": "evaluating"}, headers=admin
    )
    assert r.status_code == 200
    assert (await client.delete(f"{comp.url}/states/feasible", headers=admin)).status_code == 204
    # a state of another component is not a state of this one
    other = await make_component(client, world, slug="other-call")
    r = await client.post(f"{other.url}/states", json={**body, "token": "elsewhere"}, headers=admin)
    assert r.status_code == 201
    r = await client.put(
        comp.proposal(proposal["id"]) + "/answer", json={"state": "elsewhere"}, headers=admin
    )
    assert assert_problem(r, 422)["errors"][0]["code"] == "unknown_state"


async def test_answers_published_at_once_send_the_answered_event(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    received = _recorder(db, contract.PUBLISHED, contract.ANSWERED)
    comp = await make_component(client, world, step={**OPEN_STEP, "answers_with_costs": True})
    proposal = await create(client, comp, world.headers("participant"), category="Nature")
    assert [e.name for e in received] == [contract.PUBLISHED]
    published = received[0].payload
    assert published["proposal_id"] == proposal["id"] and published["author_names"] == ["participant"]
    assert published["process_id"] == comp.process_id and published["component_id"] == comp.id
    assert set(published) == set(contract.ProposalPublishedPayload.__annotations__) | set(
        contract.ProposalEventPayload.__annotations__
    )
    url = comp.proposal(proposal["id"]) + "/answer"
    admin = world.headers("admin")
    assert_problem(await client.put(url, json={"state": "accepted"}, headers=world.headers("valuator")), 403)
    before = await count_rows(db)
    r = await client.put(url, json={"state": "accepted", "answer": {"fr": "Oui"}}, headers=admin)
    errors = {e["location"][-1]: e["code"] for e in assert_problem(r, 422)["errors"]}
    assert errors == {"cost": "missing", "cost_explanation": "missing"}
    r = await client.put(url, json={"state": "rejected", "cost": 5}, headers=admin)
    assert assert_problem(r, 422)["errors"][0]["code"] == "costs_only_when_accepted"
    assert await count_rows(db) == before
    answer = {
        "state": "accepted",
        "answer": {"fr": "Le collège retient la proposition."},
        "cost": 25000,
        "cost_explanation": {"fr": "Bacs, terre, outillage."},
        "execution_period": {"fr": "Printemps 2027"},
    }
    r = await client.put(url, json=answer, headers=admin)
    assert r.status_code == 200, r.text
    read = r.json()
    assert read["state"]["token"] == "accepted" and read["answer"]["cost"] == 25000
    assert read["answer"]["published_at"] is not None
    event = received[-1]
    assert event.name == contract.ANSWERED and event.commune_id == world.alpha.id
    payload = event.payload
    assert payload["state"] == "accepted" and payload["accepted"] is True and payload["cost"] == 25000
    assert payload["title"] == proposal["title"] and payload["category"] == "Nature"
    assert payload["component_id"] == comp.id and payload["process_id"] == comp.process_id
    assert set(payload) == set(contract.ProposalAnsweredPayload.__annotations__) | set(
        contract.ProposalEventPayload.__annotations__
    )


async def test_held_answers_wait_for_the_bulk_publication(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    received = _recorder(db, contract.ANSWERED)
    comp = await make_component(client, world, step={**OPEN_STEP, "publish_answers_immediately": False})
    me = world.headers("participant")
    first, second = await create(client, comp, me), await create(client, comp, me)
    admin = world.headers("admin")
    for p, state in ((first, "accepted"), (second, "rejected")):
        r = await client.put(comp.proposal(p["id"]) + "/answer", json={"state": state}, headers=admin)
        assert r.status_code == 200
        assert r.json()["answer"]["published_at"] is None and r.json()["state"] is None
    public = (await client.get(comp.proposal(first["id"]))).json()
    assert public["state"] is None and public["answer"] is None
    assert (await client.get(comp.proposals, params={"state": "accepted"})).json()["items"] == []
    assert received == []
    r = await client.post(f"{comp.url}/answers/publish", json={"proposal_ids": [first["id"]]}, headers=admin)
    assert r.status_code == 200 and r.json() == {"published": [first["id"]]}
    assert [e.payload["proposal_id"] for e in received] == [first["id"]]
    r = await client.post(f"{comp.url}/answers/publish", json={}, headers=admin)
    assert r.json() == {"published": [second["id"]]}
    accepted = (await client.get(comp.proposals, params={"state": "accepted"})).json()["items"]
    assert [p["id"] for p in accepted] == [first["id"]]
    not_answered = (await client.get(comp.proposals, params={"state": "not_answered"})).json()["items"]
    assert not_answered == []


async def test_answering_follows_the_phase(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    proposal = await create(client, comp, world.headers("participant"))
    await configure(client, world, comp, step={**OPEN_STEP, "answering_enabled": False})
    r = await client.put(
        comp.proposal(proposal["id"]) + "/answer", json={"state": "accepted"}, headers=world.headers("admin")
    )
    assert assert_problem(r, 403)["reason"] == "answering_disabled"


async def test_answer_rejects_unknown_fields(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    proposal = await create(client, comp, world.headers("participant"))
    body: dict[str, Any] = {"state": "accepted", "budget": 3}
    r = await client.put(comp.proposal(proposal["id"]) + "/answer", json=body, headers=world.headers("admin"))
    assert assert_problem(r, 422)["errors"][0]["code"] == "extra_forbidden"
