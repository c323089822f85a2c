"""Selected budget projects become results through the core's events and links, never by importing the
budgets module: the ``budgets.results_published`` event is kept as candidates, imported on request
(idempotent), and each result is linked to its project and the project's proposals, so that a proposal
shows what became of it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from civicapi.core.db.session import Database
from civicapi.core.events import Event, EventBus
from civicapi.core.links import ResourceRef, link
from tests.fixtures.factories import World
from tests.modules.accountability.helpers import Comp, assert_problem, make_component, make_status


async def _budgets_component(client: httpx.AsyncClient, world: World, process_id: str) -> str:
    r = await client.put("/v1/communes/alpha/modules/budgets", json={}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/v1/communes/alpha/processes/{process_id}/components",
        json={"module_key": "budgets", "name": {"fr": "Budget"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _publish_results(
    db: Database, world: World, component_id: str, budget_id: uuid.UUID, selected: list[dict[str, Any]]
) -> None:
    """What the budgets module does when it publishes results: links kept by the core, then the event."""
    async with db.unit_of_work() as session:
        for project in selected:
            for proposal_id in project.pop("_proposals", []):
                await link(
                    session,
                    commune_id=world.alpha.id,
                    source=ResourceRef("budgets", "project", uuid.UUID(project["project_id"])),
                    target=ResourceRef("proposals", "proposal", proposal_id),
                    name="included_proposals",
                )
        payload = {
            "budget_id": str(budget_id),
            "component_id": component_id,
            "rule": "greedy",
            "ballots_sha256": "0" * 64,
            "selected": selected,
        }
        EventBus.publish(
            session, Event("budgets.results_published", world.alpha.id, payload, source_module="budgets")
        )


async def test_import_selected_projects_and_follow_a_proposal(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    await make_status(client, world, comp, "planned", 0)
    budgets_component = await _budgets_component(client, world, comp.process_id)
    elsewhere = await make_component(client, world, slug="bp-2027")  # another process
    budget = uuid.uuid4()
    p1, p2, p3 = (str(uuid.uuid4()) for _ in range(3))
    proposal_a, proposal_b = uuid.uuid4(), uuid.uuid4()
    await _publish_results(
        db,
        world,
        budgets_component,
        budget,
        [
            {
                "project_id": p1,
                "code": "1",
                "title": {"fr": "Potager", "de": "Garten"},
                "cost": 12_000,
                "_proposals": [proposal_a, proposal_b],
            },
            {
                "project_id": p2,
                "code": "2",
                "title": {"fr": "Bancs"},
                "cost": 3_000,
                "address": "Place Verte",
                "latitude": 50.6,
                "longitude": 5.5,
                "district": "Nord",
                "proposal_ids": [str(proposal_b)],
            },
        ],
    )
    admin = world.headers("admin")
    r = await client.post(comp.url + "/budget-imports", json={"status": "nope"}, headers=admin)
    assert_problem(r, 422)
    r = await client.post(comp.url + "/budget-imports", json={"status": "planned"}, headers=admin)
    assert r.status_code == 200, r.text
    imported = r.json()["imported"]
    assert [x["title"] for x in imported] == [{"fr": "Potager"}, {"fr": "Bancs"}]
    assert imported[0]["planned_amount"] == 12_000 and imported[0]["status"]["key"] == "planned"
    assert imported[1]["district"] == "Nord" and imported[1]["latitude"] == 50.6
    links = {(link["name"], link["id"]) for link in imported[0]["links"]}
    assert links == {
        ("included_projects", p1),
        ("included_proposals", str(proposal_a)),
        ("included_proposals", str(proposal_b)),
    }

    # idempotent: nothing new the second time
    r = await client.post(comp.url + "/budget-imports", json={}, headers=admin)
    assert r.json()["imported"] == [] and {s["reason"] for s in r.json()["skipped"]} == {"already_imported"}
    # another process's accountability component sees no candidate
    r = await client.post(elsewhere.url + "/budget-imports", json={}, headers=admin)
    assert r.json() == {"imported": [], "skipped": []}

    # what became of proposal b: both results, with their progress, for anyone
    r = await client.get(f"/v1/communes/alpha/accountability/proposals/{proposal_b}/results")
    assert r.status_code == 200, r.text
    assert sorted(x["title"]["fr"] for x in r.json()["items"]) == ["Bancs", "Potager"]
    assert {x["process_id"] for x in r.json()["items"]} == {comp.process_id}
    r = await client.get(f"/v1/communes/alpha/accountability/proposals/{uuid.uuid4()}/results")
    assert assert_problem(r, 404)["reason"] == "no_result"

    # results re-published with another selection: p3 only is new
    await _publish_results(
        db, world, budgets_component, budget, [{"project_id": p3, "title": {"fr": "Fontaine"}, "cost": 1}]
    )
    r = await client.post(
        comp.url + "/budget-imports", json={"source_component_id": budgets_component}, headers=admin
    )
    assert [x["title"] for x in r.json()["imported"]] == [{"fr": "Fontaine"}]

    # a deleted result leaves no dangling link; an unpublished component hides its results
    await client.delete(comp.result(imported[1]["id"]), headers=admin)
    r = await client.get(f"/v1/communes/alpha/accountability/proposals/{proposal_b}/results")
    assert [x["title"]["fr"] for x in r.json()["items"]] == ["Potager"]
    r = await client.post(f"{comp.component_url}/unpublish", headers=admin)
    assert r.status_code == 200, r.text
    r = await client.get(f"/v1/communes/alpha/accountability/proposals/{proposal_b}/results")
    assert_problem(r, 404)
    r = await client.get(f"/v1/communes/alpha/accountability/proposals/{proposal_b}/results", headers=admin)
    assert len(r.json()["items"]) == 1


async def test_import_needs_manage_permission(client: httpx.AsyncClient, world: World) -> None:
    comp: Comp = await make_component(client, world)
    for who in ("staff", "participant"):
        r = await client.post(comp.url + "/budget-imports", json={}, headers=world.headers(who))
        assert_problem(r, 403)
