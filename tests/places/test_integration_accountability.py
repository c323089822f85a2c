"""Accountability results write their points into the places index: created with a point -> a row with
its status, start date and progress, district adopted; moved, re-statused; a parent's progress rolled up
follows; the point removed; deleted. A budget's funded project carries its point to the result made from
it (Decidim's results "without coordinates"), through the budgets' published event."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.accountability.helpers import (
    enable_accountability,
    make_component,
    make_result,
    make_status,
)
from tests.modules.budgets import helpers as budgets
from tests.places.integration_helpers import CENTRE, IN_CENTRE, IN_OUTREMEUSE, OUTREMEUSE, place
from tests.places.test_index import add_district


async def test_a_result_keeps_its_place_in_the_index(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await add_district(db, world.alpha.id, "centre", CENTRE)
    await add_district(db, world.alpha.id, "outremeuse", OUTREMEUSE)
    admin = world.headers("admin")
    comp = await make_component(client, world)
    await make_status(client, world, comp, "planned", 0)
    await make_status(client, world, comp, "works", 50)
    parent = await make_result(client, world, comp, "Parcs", **IN_OUTREMEUSE)
    result = await make_result(
        client,
        world,
        comp,
        status="planned",
        start_date="2026-03-01",
        planned_amount=40_000,
        category="nature",
        parent_id=parent["id"],
        **IN_CENTRE,
    )
    assert result["district"] == "centre"
    row = await place(db, "accountability", "result", result["id"])
    assert row is not None and row["published"] is True and row["status"] == "planned"
    assert row["district"] == "centre" and row["category"] == "nature" and row["component_id"] == comp.id
    assert row["occurs_at"] is not None and row["occurs_at"].date().isoformat() == "2026-03-01"
    assert row["figures"] == {"progress": 0, "planned_amount": 40_000}

    r = await client.patch(
        comp.result(result["id"]), json={"status": "works", **IN_OUTREMEUSE}, headers=admin
    )
    assert r.status_code == 200, r.text
    row = await place(db, "accountability", "result", result["id"])
    assert row is not None and row["status"] == "works" and row["district"] == "outremeuse"
    assert row["figures"]["progress"] == 50
    # the parent's progress, rolled up from its child, follows in the index
    assert (await place(db, "accountability", "result", parent["id"]) or {})["figures"]["progress"] == 50

    r = await client.patch(
        comp.result(parent["id"]), json={"latitude": None, "longitude": None}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert await place(db, "accountability", "result", parent["id"]) is None
    r = await client.delete(comp.result(result["id"]), headers=admin)
    assert r.status_code == 204, r.text
    assert await place(db, "accountability", "result", result["id"]) is None


async def test_a_funded_project_carries_its_point_to_its_result(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    admin = world.headers("admin")
    await enable_accountability(client, world)  # it hears the budgets' results when they are published
    settings = {"vote_requirements": budgets.CENSUS, "minimum_percent": 0, "counting_rule": "greedy"}
    bcomp = await budgets.make_component(client, world, settings=settings)
    budget = await budgets.make_budget(client, world, bcomp, total=100_000)
    body = {
        "title": {"fr": "Parc"},
        "cost": 50_000,
        "address": "Parc d'Avroy",
        "category": "parcs",
        **IN_CENTRE,
    }
    r = await client.post(bcomp.projects(budget["id"]), json=body, headers=admin)
    assert r.status_code == 201, r.text
    project = r.json()["id"]
    _, voter = await budgets.resident(db, app, world, "V-1")
    r = await client.post(
        bcomp.ballot(budget["id"]), json={"projects": [project]}, headers={**voter, "Idempotency-Key": "k"}
    )
    assert r.status_code == 201, r.text
    burl = bcomp.budget(budget["id"])
    assert (await client.post(f"{burl}/close", headers=admin)).status_code == 200
    assert (await client.post(f"{burl}/count-runs", json={}, headers=admin)).status_code == 201

    comp = await make_component(client, world, process_id=bcomp.process_id)
    r = await client.post(comp.url + "/budget-imports", json={}, headers=admin)
    assert r.status_code in (200, 201), r.text
    [result] = (await client.get(comp.results)).json()["items"]
    assert (result["latitude"], result["longitude"]) == (50.64, 5.57)
    assert result["address"] == "Parc d'Avroy" and result["category"] == "parcs"
    row = await place(db, "accountability", "result", result["id"])
    assert row is not None and (row["latitude"], row["longitude"]) == (50.64, 5.57)
    assert row["figures"]["planned_amount"] == 50_000


async def test_imported_results_are_on_the_map_with_their_rolled_up_progress(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    await make_status(client, world, comp, "works", 50)
    text = (
        "external_id;parent_external_id;title_fr;status;latitude;longitude\n"
        "P-1;;Parc;;50.64;5.57\n"
        "P-1.1;P-1;Aire de jeux;works;50.63;5.62\n"
        "P-1.2;P-1;Sans lieu;;;\n"
    )
    r = await client.post(
        comp.url + "/import",
        content=text.encode(),
        headers={**world.headers("admin"), "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    park, playground, nowhere = r.json()["result_ids"]
    child = await place(db, "accountability", "result", playground)
    assert child is not None and child["status"] == "works" and child["figures"]["progress"] == 50
    parent = await place(db, "accountability", "result", park)
    assert parent is not None and parent["figures"]["progress"] == 25  # (50 + 0) / 2, rolled up
    assert await place(db, "accountability", "result", nowhere) is None
