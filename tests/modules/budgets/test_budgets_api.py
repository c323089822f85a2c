"""Budgets and projects: administration, public reads, tenancy, permissions, validation."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.budgets.helpers import (
    assert_problem,
    count_rows,
    make_budget,
    make_component,
    make_projects,
)


async def test_admin_creates_budgets_and_projects_anyone_reads_them(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    city = await make_budget(client, world, comp, total=250_000, currency="EUR", position=0)
    district = await make_budget(
        client,
        world,
        comp,
        total=80_000,
        district="Outremeuse",
        position=1,
        title={"fr": "Outremeuse", "nl": "Overmaas"},
    )
    assert city["total_amount"] == 250_000 and city["voting_open"] is True and city["projects_count"] == 0
    assert district["district"] == "Outremeuse" and district["title"]["nl"] == "Overmaas"
    r = await client.post(
        comp.projects(city["id"]),
        json={
            "title": {"fr": "Potager", "en": "Garden"},
            "description": {"fr": "Un potager partagé."},
            "cost": 12_000,
            "address": "Place du Marché 1",
            "latitude": 50.645,
            "longitude": 5.573,
            "category": "environment",
        },
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    project = r.json()
    assert r.headers["Location"].endswith(f"/projects/{project['id']}") and r.headers["ETag"]
    assert project["number"] == 1 and project["code"] == "1" and project["selected"] is None
    assert project["votes"] is None  # hidden: the step does not show votes
    await make_projects(client, world, comp, city["id"], [5_000, 7_000])

    # public reads, anonymous
    r = await client.get(comp.budgets)
    assert r.status_code == 200
    assert [b["id"] for b in r.json()["items"]] == [city["id"], district["id"]]
    assert r.json()["items"][0]["projects_count"] == 3
    r = await client.get(comp.projects(city["id"]), params={"sort": "-cost", "limit": 2})
    assert r.status_code == 200
    assert [p["cost"] for p in r.json()["items"]] == [12_000, 7_000] and r.json()["next_cursor"]
    assert 'rel="next"' in r.headers["Link"]
    r = await client.get(f"{comp.projects(city['id'])}/{project['id']}")
    assert r.status_code == 200 and r.json()["title"] == {"fr": "Potager", "en": "Garden"}

    # edits with ETags
    etag = r.headers["ETag"]
    r = await client.patch(
        f"{comp.projects(city['id'])}/{project['id']}",
        json={"cost": 13_000},
        headers={**world.headers("admin"), "If-Match": etag},
    )
    assert r.status_code == 200 and r.json()["cost"] == 13_000
    r = await client.patch(
        f"{comp.projects(city['id'])}/{project['id']}",
        json={"cost": 1},
        headers={**world.headers("admin"), "If-Match": etag},
    )
    assert_problem(r, 412)
    r = await client.patch(
        comp.budget(city["id"]), json={"total_amount": 300_000}, headers=world.headers("admin")
    )
    assert r.status_code == 200 and r.json()["total_amount"] == 300_000
    r = await client.delete(f"{comp.projects(city['id'])}/{project['id']}", headers=world.headers("admin"))
    assert r.status_code == 204
    r = await client.delete(comp.budget(district["id"]), headers=world.headers("admin"))
    assert r.status_code == 204
    assert (await client.get(comp.budget(district["id"]))).status_code == 404

    async with db.unit_of_work() as session:
        actions = [e.action for e in (await session.execute(select(AuditEntry))).scalars()]
    for action in (
        "budgets.budget.create",
        "budgets.project.create",
        "budgets.project.update",
        "budgets.budget.delete",
    ):
        assert action in actions


async def test_disabled_module_other_commune_and_forbidden(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    budget = await make_budget(client, world, comp)
    # other commune: beta enables the module, alpha's component is not found there
    beta = await make_component(client, world, commune="beta")
    r = await client.get(
        f"/v1/communes/beta/budgets/components/{comp.id}/budgets/{budget['id']}",
        headers=world.headers("beta_admin"),
    )
    assert_problem(r, 404)
    r = await client.get(f"{beta.budgets}/{budget['id']}", headers=world.headers("beta_admin"))
    assert_problem(r, 404)
    # forbidden roles and anonymous
    body = {"title": {"fr": "B"}, "total_amount": 10}
    for who, status in (("participant", 403), ("staff", 403), ("beta_admin", 403), ("anonymous", 401)):
        r = await client.post(comp.budgets, json=body, headers=world.headers(who))
        assert_problem(r, status)
    r = await client.post(
        comp.projects(budget["id"]),
        json={"title": {"fr": "P"}, "cost": 1},
        headers=world.headers("participant"),
    )
    assert_problem(r, 403, type_="/problems/forbidden")
    # disabled module
    r = await client.delete("/v1/communes/alpha/modules/budgets", headers=world.headers("admin"))
    assert r.status_code in (200, 204), r.text
    r = await client.get(comp.budgets)
    assert_problem(r, 404, type_="/problems/module-not-enabled")


async def test_bad_input_is_a_422_and_writes_nothing(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    budget = await make_budget(client, world, comp)
    before = await count_rows(db)
    for body in (
        {"title": {"fr": "B"}, "total_amount": -1},
        {"title": {}, "total_amount": 10},
        {"title": {"de": "Haushalt"}, "total_amount": 10},  # a locale the commune does not offer
        {"title": {"fr": "B"}, "total_amount": 10, "currency": "euro"},
        {"title": {"fr": "B"}, "total_amount": 10, "unknown": 1},
    ):
        assert_problem(await client.post(comp.budgets, json=body, headers=world.headers("admin")), 422)
    for body in (
        {"title": {"fr": "P"}, "cost": -5},
        {"title": {"fr": "P"}, "cost": 5, "latitude": 91},
        {"title": {"xx": "P"}, "cost": 5},
    ):
        r = await client.post(comp.projects(budget["id"]), json=body, headers=world.headers("admin"))
        assert_problem(r, 422)
    assert await count_rows(db) == before


async def test_component_settings_are_validated(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    for settings in (
        {"ballot_kind": "ranked"},
        {"min_projects": 5, "max_projects": 2},
        {"points_total": 5, "max_points_per_project": 6},
        {"workflow": "sometimes"},
    ):
        r = await client.patch(
            comp.component_url, json={"settings": settings}, headers=world.headers("admin")
        )
        assert_problem(r, 422)
