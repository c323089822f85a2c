"""Budget projects write their points into the places index: created with a point -> a row with the
cost as figure; moved, recategorised, the point removed; deleted; the results published -> selected or
not; a deleted budget takes its projects' rows with it."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.budgets.helpers import CENSUS, make_budget, make_component, resident
from tests.places.integration_helpers import CENTRE, IN_CENTRE, IN_OUTREMEUSE, OUTREMEUSE, place
from tests.places.test_index import add_district

SETTINGS = {"vote_requirements": CENSUS, "minimum_percent": 0, "counting_rule": "greedy"}


async def _project(client: httpx.AsyncClient, world: World, url: str, cost: int, **fields: Any) -> str:
    body = {"title": {"fr": f"Projet {cost}"}, "cost": cost, "category": "parcs", **fields}
    r = await client.post(url, json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_projects_keep_their_places_until_the_results(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    await add_district(db, world.alpha.id, "centre", CENTRE)
    await add_district(db, world.alpha.id, "outremeuse", OUTREMEUSE)
    admin = world.headers("admin")
    comp = await make_component(client, world, settings=SETTINGS)
    budget = await make_budget(client, world, comp, total=100_000)
    url = comp.projects(budget["id"])
    first = await _project(client, world, url, 60_000, address="Parc d'Avroy", **IN_CENTRE)
    second = await _project(client, world, url, 70_000, **IN_OUTREMEUSE)
    row = await place(db, "budgets", "project", first)
    assert row is not None and row["published"] is True and row["status"] is None
    assert row["figures"] == {"amount": 60_000, "selected": None} and row["district"] == "centre"
    assert row["address"] == "Parc d'Avroy" and row["category"] == "parcs" and row["component_id"] == comp.id

    r = await client.patch(f"{url}/{first}", json={**IN_OUTREMEUSE, "category": "jeux"}, headers=admin)
    assert r.status_code == 200, r.text
    row = await place(db, "budgets", "project", first)
    assert row is not None and (row["district"], row["category"]) == ("outremeuse", "jeux")

    gone = await _project(client, world, url, 5_000, **IN_CENTRE)
    r = await client.patch(f"{url}/{gone}", json={"latitude": None, "longitude": None}, headers=admin)
    assert r.status_code == 200, r.text
    assert await place(db, "budgets", "project", gone) is None
    r = await client.patch(f"{url}/{gone}", json=IN_CENTRE, headers=admin)
    assert r.status_code == 200, r.text
    assert await place(db, "budgets", "project", gone) is not None
    r = await client.delete(f"{url}/{gone}", headers=admin)
    assert r.status_code == 204, r.text
    assert await place(db, "budgets", "project", gone) is None

    _, voter = await resident(db, app, world, "V-1")
    r = await client.post(
        comp.ballot(budget["id"]), json={"projects": [first]}, headers={**voter, "Idempotency-Key": "k1"}
    )
    assert r.status_code == 201, r.text
    burl = comp.budget(budget["id"])
    assert (await client.post(f"{burl}/close", headers=admin)).status_code == 200
    r = await client.post(f"{burl}/count-runs", json={}, headers=admin)
    assert r.status_code == 201, r.text
    chosen, other = (
        await place(db, "budgets", "project", first),
        await place(db, "budgets", "project", second),
    )
    assert chosen is not None and chosen["status"] == "selected" and chosen["figures"]["selected"] is True
    assert other is not None and other["status"] == "not_selected" and other["figures"]["selected"] is False


async def test_a_deleted_budget_takes_its_projects_places(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world, settings=SETTINGS)
    budget = await make_budget(client, world, comp)
    project = await _project(client, world, comp.projects(budget["id"]), 1_000, **IN_CENTRE)
    assert await place(db, "budgets", "project", project) is not None
    r = await client.delete(comp.budget(budget["id"]), headers=world.headers("admin"))
    assert r.status_code == 204, r.text
    assert await place(db, "budgets", "project", project) is None


async def test_a_pabulib_files_projects_are_on_the_map(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world, settings=SETTINGS)
    text = (
        "META\nkey;value\ndescription;Import\nnum_projects;2\nnum_votes;1\nbudget;100\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost;name;latitude;longitude\nA;60;Parc;50.64;5.57\nB;50;Rue;;\n"
        "VOTES\nvoter_id;vote\n1;A\n"
    )
    r = await client.post(
        f"{comp.budgets}/pabulib",
        content=text.encode(),
        headers={**world.headers("admin"), "Content-Type": "text/plain; charset=utf-8"},
    )
    assert r.status_code == 201, r.text
    budget_id = r.json()["id"]
    projects = {p["code"]: p["id"] for p in (await client.get(comp.projects(budget_id))).json()["items"]}
    row = await place(db, "budgets", "project", projects["A"])
    assert row is not None and (row["latitude"], row["longitude"]) == (50.64, 5.57)
    assert row["figures"]["amount"] == 60 and row["title"] == {"fr": "Parc"}
    assert await place(db, "budgets", "project", projects["B"]) is None
