"""Importing accepted proposals: through the proposals module's events (kept as candidates) and the core's
resource links, never its tables; importing twice imports nothing more."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from civicapi.core.events import Event, EventBus
from civicapi.core.links import ResourceRef, links_to
from civicapi.modules.budgets.models import ProposalCandidate
from tests.fixtures.factories import World
from tests.modules.budgets.helpers import assert_problem, count_rows, make_budget, make_component


def payload(process_id: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "version": 1,
        "proposal_id": str(uuid.uuid4()),
        "reference": "ALPHA-PROP-2026-1",
        "component_id": str(uuid.uuid4()),
        "process_id": process_id,
        "title": {"fr": "Un banc", "de": "Eine Bank"},
        "category": "mobilier",
        "district": None,
        "address": "Rue Haute 3",
        "latitude": 50.6,
        "longitude": 5.5,
        "official": False,
        "author_names": ["Anne"],
        "state": "accepted",
        "state_name": {"fr": "Acceptée"},
        "accepted": True,
        "answer": None,
        "cost": 1200,
        "cost_explanation": None,
        "execution_period": None,
        "answered_at": "2026-05-01T10:00:00+00:00",
        "published_at": "2026-05-01T10:00:00+00:00",
        "supports_count": 3,
    }
    return base | fields


async def emit(db: Database, commune_id: uuid.UUID, name: str, data: dict[str, Any]) -> None:
    async with db.unit_of_work() as session:
        EventBus.publish(session, Event(name, commune_id, data, source_module="proposals"))


async def test_accepted_proposals_become_projects_once(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world, settings={})
    budget = await make_budget(client, world, comp)
    north = await make_budget(client, world, comp, district="Nord")
    alpha = world.alpha.id
    accepted = payload(comp.process_id)
    no_cost = payload(comp.process_id, cost=None, reference="ALPHA-PROP-2026-2")
    northern = payload(comp.process_id, district="nord", reference="ALPHA-PROP-2026-3")
    rejected = payload(comp.process_id, state="rejected", accepted=False)
    elsewhere = payload(str(uuid.uuid4()))
    withdrawn = payload(comp.process_id, reference="ALPHA-PROP-2026-9")
    body = {"fr": "Un banc sur la place."}
    await emit(db, alpha, "proposals.published", {**accepted, "body": body})
    for data in (accepted, no_cost, northern, rejected, elsewhere, withdrawn):
        await emit(db, alpha, "proposals.answered", data)
    await emit(db, alpha, "proposals.withdrawn", withdrawn)
    await emit(db, world.beta.id, "proposals.answered", payload(comp.process_id))  # another commune: not ours

    url = f"{comp.budget(budget['id'])}/proposal-imports"
    assert_problem(await client.post(url, json={}, headers=world.headers("participant")), 403)
    r = await client.post(url, json={"match_district": False}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    got = r.json()
    assert sorted(p["title"]["fr"] for p in got["imported"]) == ["Un banc", "Un banc"]
    first = next(p for p in got["imported"] if p["proposal_ids"] == [accepted["proposal_id"]])
    assert first["cost"] == 1200 and first["description"] == body and "de" not in first["title"]
    assert first["category"] == "mobilier" and first["latitude"] == 50.6
    assert {s["reason"] for s in got["skipped"]} == {"no_cost"}

    # again, with a default cost: only the one without a cost is new
    r = await client.post(
        url, json={"default_cost": 500, "match_district": False}, headers=world.headers("admin")
    )
    got = r.json()
    assert [p["cost"] for p in got["imported"]] == [500]
    assert sorted(s["reason"] for s in got["skipped"]) == ["already_imported", "already_imported"]
    before = await count_rows(db)
    r = await client.post(url, json={"default_cost": 500}, headers=world.headers("admin"))
    assert r.json()["imported"] == [] and await count_rows(db) == before

    # a district budget takes its district's proposals (none left here: they are imported in the component)
    r = await client.post(
        f"{comp.budget(north['id'])}/proposal-imports", json={}, headers=world.headers("admin")
    )
    assert r.json()["imported"] == []

    async with db.unit_of_work() as session:
        links = await links_to(
            session,
            commune_id=alpha,
            target=ResourceRef("proposals", "proposal", uuid.UUID(accepted["proposal_id"])),
        )
    assert [(link.from_module, link.from_type, str(link.from_id)) for link in links] == [
        ("budgets", "project", first["id"])
    ]


async def test_district_budgets_import_their_district(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world, settings={})
    north = await make_budget(client, world, comp, district="Nord")
    await emit(db, world.alpha.id, "proposals.answered", payload(comp.process_id, district="Sud"))
    northern = payload(comp.process_id, district="NORD")
    await emit(db, world.alpha.id, "proposals.answered", northern)
    r = await client.post(
        f"{comp.budget(north['id'])}/proposal-imports", json={}, headers=world.headers("admin")
    )
    got = r.json()
    assert [p["proposal_ids"] for p in got["imported"]] == [[northern["proposal_id"]]]
    assert [s["reason"] for s in got["skipped"]] == ["other_district"]


async def test_end_to_end_with_the_proposals_module(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    """Through the HTTP API of both modules: a proposal answered as accepted becomes a project."""
    comp = await make_component(client, world, settings={})
    budget = await make_budget(client, world, comp)
    admin = world.headers("admin")
    r = await client.put("/v1/communes/alpha/modules/proposals", json={}, headers=admin)
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/v1/communes/alpha/processes/{comp.process_id}/components",
        json={
            "module_key": "proposals",
            "name": {"fr": "Idées"},
            "step_settings": {comp.phase_id: {"creation_enabled": True}},
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    proposals = f"/v1/communes/alpha/proposals/components/{r.json()['id']}/proposals"
    r = await client.post(
        proposals,
        json={"title": {"fr": "Un potager"}, "body": {"fr": "Un potager partagé au parc."}, "official": True},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    proposal_id = r.json()["id"]
    assert (await client.post(f"{proposals}/{proposal_id}/publish", headers=admin)).status_code == 200
    r = await client.put(
        f"{proposals}/{proposal_id}/answer", json={"state": "accepted", "cost": 25_000}, headers=admin
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"{comp.budget(budget['id'])}/proposal-imports", json={}, headers=admin)
    assert r.status_code == 200, r.text
    imported = r.json()["imported"]
    assert [(p["title"], p["cost"], p["proposal_ids"]) for p in imported] == [
        ({"fr": "Un potager"}, 25_000, [proposal_id])
    ]
    assert imported[0]["description"] == {"fr": "Un potager partagé au parc."}


async def test_an_answer_the_module_failed_to_take_reaches_it_later_and_in_order(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    """The outbox (core events): an answer the budgets module failed to take is delivered again by the
    sweep, and a later answer to the same proposal waits for it, so the last answer is the one kept."""
    comp = await make_component(client, world, settings={})
    budget = await make_budget(client, world, comp)
    [sub] = [s for s in db.bus.subscriptions("proposals.answered") if s.module_key == "budgets"]
    failures = [ConnectionError("the database went away")]

    async def hiccup(event: Event, session: AsyncSession) -> None:
        if failures:
            raise failures.pop()
        await sub.handler(event, session)

    db.bus.subscribe("proposals.answered", hiccup, module_key="budgets", key=sub.key)
    accepted = payload(comp.process_id)
    await emit(db, world.alpha.id, "proposals.answered", accepted)  # fails in the budgets module
    rejected = {
        **accepted,
        "state": "rejected",
        "accepted": False,
        "answered_at": "2026-05-02T10:00:00+00:00",
    }
    await emit(db, world.alpha.id, "proposals.answered", rejected)  # waits for the first

    url = f"{comp.budget(budget['id'])}/proposal-imports"
    r = await client.post(url, json={"match_district": False}, headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["imported"] == []  # nothing taken yet

    assert await db.bus.redeliver_due(db, now=utcnow() + timedelta(minutes=1)) == 2
    async with db.unit_of_work(readonly=True) as session:
        candidate = await session.scalar(
            select(ProposalCandidate).where(
                ProposalCandidate.proposal_id == uuid.UUID(accepted["proposal_id"])
            )
        )
    assert candidate is not None and candidate.accepted is False  # the later answer, applied last
    r = await client.post(url, json={"match_district": False}, headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["imported"] == []
