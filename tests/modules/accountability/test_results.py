"""Results, statuses and milestones through the HTTP API: CRUD, public reads, ETags, the tree's rules,
the public history, and the platform's rules (disabled module, other commune, forbidden role)."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.accountability.helpers import (
    assert_problem,
    count_rows,
    get_result,
    make_component,
    make_result,
    make_status,
)

FULL = {
    "title": {"fr": "Un potager collectif", "nl": "Een moestuin"},
    "description": {"fr": "Des bacs sur la place."},
    "reference": "BP-2026-12",
    "start_date": "2026-03-01",
    "end_date": "2026-09-30",
    "weight": 2,
    "external_id": "GEST-0012",
    "planned_amount": 12_000,
    "spent_amount": 3_000,
    "address": "Place du Marché 1",
    "latitude": 50.641,
    "longitude": 5.581,
    "category": "environnement",
    "district": "Outremeuse",
}


async def test_create_read_list_update_delete(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    admin = world.headers("admin")
    await make_status(client, world, comp, "works", 40)
    r = await client.post(comp.results, json={**FULL, "status": "works"}, headers=admin)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["Location"].endswith(f"/results/{created['id']}")
    assert created["status"]["key"] == "works" and created["progress"] == 40  # the status's progress
    for key, value in FULL.items():
        assert created[key] == value, key
    assert (
        created["children_count"] == 0 and created["links"] == [] and created["progress_rolled_up"] is False
    )

    # public reads: anonymous, with an ETag
    r = await client.get(comp.result(created["id"]))
    assert r.status_code == 200 and r.json()["title"] == FULL["title"]
    etag = r.headers["ETag"]
    r = await client.get(comp.results, params={"district": "Outremeuse", "status": "works"})
    assert [x["id"] for x in r.json()["items"]] == [created["id"]]
    r = await client.get(comp.results, params={"status": "unknown"})
    assert r.json()["items"] == []
    r = await client.get(comp.results, params={"external_id": "GEST-0012"})
    assert [x["id"] for x in r.json()["items"]] == [created["id"]]

    # PATCH applies only the fields sent; If-Match guards against lost updates
    r = await client.patch(
        comp.result(created["id"]), json={"progress": 55.5}, headers={**admin, "If-Match": etag}
    )
    assert r.status_code == 200, r.text
    assert r.json()["progress"] == 55.5 and r.json()["title"] == FULL["title"]
    assert r.headers["ETag"] != etag
    r2 = await client.patch(
        comp.result(created["id"]), json={"progress": 10}, headers={**admin, "If-Match": etag}
    )
    assert_problem(r2, 412, type_="/problems/precondition-failed")
    r = await client.patch(
        comp.result(created["id"]), json={"latitude": None, "longitude": None}, headers=admin
    )
    assert r.status_code == 200 and r.json()["latitude"] is None

    r = await client.delete(comp.result(created["id"]), headers=admin)
    assert r.status_code == 204
    r = await client.get(comp.result(created["id"]))
    assert_problem(r, 404)


async def test_statuses_set_progress_and_are_protected(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    admin = world.headers("admin")
    planned = await make_status(client, world, comp, "planned", 0)
    done = await make_status(client, world, comp, "done", 100)
    free = await make_status(client, world, comp, "delayed")
    r = await client.post(comp.statuses, json={"key": "done", "name": {"fr": "Fini"}}, headers=admin)
    assert_problem(r, 409, type_="/problems/accountability-conflict")
    r = await client.get(comp.statuses)
    assert [s["key"] for s in r.json()["items"]] == ["delayed", "done", "planned"]

    result = await make_result(client, world, comp, status="planned", progress=20)
    assert result["progress"] == 20  # an explicit progress wins over the status's
    r = await client.patch(comp.result(result["id"]), json={"status": "done"}, headers=admin)
    assert r.json()["progress"] == 100 and r.json()["status"]["key"] == "done"
    r = await client.patch(comp.result(result["id"]), json={"status": "delayed"}, headers=admin)
    assert r.json()["progress"] == 100  # a status without progress leaves it
    r = await client.patch(comp.result(result["id"]), json={"status": "nope"}, headers=admin)
    assert_problem(r, 422)

    r = await client.delete(f"{comp.statuses}/{free['id']}", headers=admin)
    assert_problem(r, 409, type_="/problems/accountability-conflict")  # in use
    r = await client.patch(
        f"{comp.statuses}/{planned['id']}", json={"progress": 5, "key": "todo"}, headers=admin
    )
    assert r.status_code == 200 and r.json()["key"] == "todo"
    r = await client.delete(f"{comp.statuses}/{done['id']}", headers=admin)
    assert r.status_code == 204


async def test_milestones_are_a_public_timeline(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    result = await make_result(client, world, comp)
    staff = world.headers("staff")
    url = comp.milestones(result["id"])
    for day, title in (("2026-05-02", "Travaux"), ("2026-04-01", "Marché attribué")):
        r = await client.post(url, json={"entry_date": day, "title": {"fr": title}}, headers=staff)
        assert r.status_code == 201, r.text
    r = await client.get(url)
    items = r.json()["items"]
    assert [m["entry_date"] for m in items] == ["2026-04-01", "2026-05-02"]
    one = f"{url}/{items[0]['id']}"
    r = await client.patch(one, json={"description": {"nl": "Gegund"}}, headers=staff)
    assert r.status_code == 200 and r.json()["description"] == {"nl": "Gegund"}
    r = await client.post(url, json={"entry_date": "2026-06-01", "title": {"de": "Nein"}}, headers=staff)
    assert_problem(r, 422)  # a locale the commune does not offer
    r = await client.post(
        url, json={"entry_date": "2026-06-01", "title": {"fr": "x"}}, headers=world.headers("participant")
    )
    assert_problem(r, 403)
    r = await client.delete(one, headers=staff)
    assert r.status_code == 204
    assert len((await client.get(url)).json()["items"]) == 1


async def test_public_history_from_the_audit_trail(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    admin = world.headers("admin")
    await make_status(client, world, comp, "works", 30)
    result = await make_result(client, world, comp, start_date="2026-03-01")
    await client.patch(comp.result(result["id"]), json={"status": "works"}, headers=admin)
    await client.patch(
        comp.result(result["id"]), json={"end_date": "2026-12-31", "progress": 45}, headers=admin
    )
    r = await client.get(comp.result(result["id"]) + "/history")
    assert r.status_code == 200, r.text
    entries = r.json()["items"]
    assert [e["action"] for e in entries] == [
        "accountability.result.create",
        "accountability.result.update",
        "accountability.result.update",
    ]
    assert entries[1]["changes"]["status"] == [None, "works"]
    assert entries[1]["changes"]["progress"] == [0.0, 30.0]
    assert entries[2]["changes"] == {"end_date": [None, "2026-12-31"], "progress": [30.0, 45.0]}
    # the platform's generic public history shows the same entries
    r = await client.get(f"/v1/communes/alpha/history/accountability/result/{result['id']}")
    assert len(r.json()["items"]) == 3

    hidden = await make_component(client, world, process_id=comp.process_id, publish=False)
    draft = await make_result(client, world, hidden)
    r = await client.get(f"/v1/communes/alpha/history/accountability/result/{draft['id']}")
    assert_problem(r, 404)  # changes to an unpublished component are not public


async def test_tree_rules(client: httpx.AsyncClient, world: World, db: Database) -> None:
    comp = await make_component(client, world)
    other = await make_component(client, world, process_id=comp.process_id)
    beta = await make_component(client, world, commune="beta")
    admin = world.headers("admin")
    root = await make_result(client, world, comp, "Racine")
    child = await make_result(client, world, comp, "Enfant", parent_id=root["id"])
    grandchild = await make_result(client, world, comp, "Petit-enfant", parent_id=child["id"])
    foreign = await make_result(client, world, other, "Ailleurs")
    beta_result = await make_result(client, world, beta, "Beta")
    before = await count_rows(db)

    cases: list[tuple[str, str, dict[str, Any], int]] = [
        ("POST", comp.results, {"title": {"fr": "x"}, "parent_id": foreign["id"]}, 422),
        ("POST", comp.results, {"title": {"fr": "x"}, "parent_id": beta_result["id"]}, 422),
        ("PATCH", comp.result(root["id"]), {"parent_id": grandchild["id"]}, 422),
        ("PATCH", comp.result(root["id"]), {"parent_id": root["id"]}, 422),
        ("PATCH", comp.result(child["id"]), {"parent_id": foreign["id"]}, 422),
        ("POST", comp.results, {"title": {"fr": "x"}, "progress": 101}, 422),
        ("POST", comp.results, {"title": {"fr": "x"}, "progress": -1}, 422),
        ("PATCH", comp.result(grandchild["id"]), {"progress": 100.5}, 422),
        ("PATCH", comp.result(grandchild["id"]), {"progress": None}, 422),
        (
            "POST",
            comp.results,
            {"title": {"fr": "x"}, "start_date": "2026-05-01", "end_date": "2026-04-01"},
            422,
        ),
        ("PATCH", comp.result(grandchild["id"]), {"latitude": 50.6}, 422),
        ("POST", comp.results, {"title": {"fr": "x"}, "weight": -1}, 422),
        ("POST", comp.results, {"title": {"xx": "x"}}, 422),
        ("PATCH", comp.result(root["id"]), {"progress": 50}, 409),  # a parent's progress is rolled up
        ("DELETE", comp.result(child["id"]), {}, 409),  # it has children
    ]
    for method, url, body, status in cases:
        r = await client.request(method, url, json=body or None, headers=admin)
        problem = assert_problem(r, status)
        if status == 422 and "parent_id" in body:
            assert problem["errors"][0]["location"] == ["body", "parent_id"], problem
    assert await count_rows(db) == before

    # a move that keeps the tree a tree is fine, and rolls both old and new parents up
    await client.patch(comp.result(grandchild["id"]), json={"progress": 80}, headers=admin)
    assert (await get_result(client, comp, root["id"]))["progress"] == 80
    other_root = await make_result(client, world, comp, "Autre racine", progress=10)
    r = await client.patch(comp.result(grandchild["id"]), json={"parent_id": other_root["id"]}, headers=admin)
    assert r.status_code == 200, r.text
    assert (await get_result(client, comp, other_root["id"]))["progress"] == 80
    assert (await get_result(client, comp, root["id"]))["progress"] == 80  # child is a leaf again, unchanged
    r = await client.get(comp.results, params={"top_level": "true"})
    assert {x["id"] for x in r.json()["items"]} == {root["id"], other_root["id"]}


async def test_external_id_is_unique_in_the_component(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    other = await make_component(client, world, process_id=comp.process_id)
    await make_result(client, world, comp, external_id="X-1")
    await make_result(client, world, other, external_id="X-1")  # another component: fine
    r = await client.post(
        comp.results, json={"title": {"fr": "x"}, "external_id": "X-1"}, headers=world.headers("admin")
    )
    assert_problem(r, 409, type_="/problems/accountability-conflict")


async def test_disabled_module_other_commune_and_forbidden(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    result = await make_result(client, world, comp)
    # another commune's resources do not exist there
    await make_component(client, world, commune="beta")
    beta_url = comp.result(result["id"]).replace("/communes/alpha/", "/communes/beta/")
    for who in ("beta_admin", "platform"):
        r = await client.get(beta_url, headers=world.headers(who))
        assert_problem(r, 404)
    # forbidden roles
    for who in ("participant", "valuator", "moderator"):
        r = await client.post(comp.results, json={"title": {"fr": "x"}}, headers=world.headers(who))
        assert_problem(r, 403, type_="/problems/forbidden")
    r = await client.post(comp.results, json={"title": {"fr": "x"}})
    assert_problem(r, 401)
    r = await client.patch(
        comp.result(result["id"]) + "/progress", json={"progress": 5}, headers=world.headers("participant")
    )
    assert_problem(r, 403)
    r = await client.patch(
        comp.result(result["id"]) + "/progress", json={"progress": 5}, headers=world.headers("staff")
    )
    assert r.status_code == 200 and r.json()["progress"] == 5
    r = await client.patch(
        comp.result(result["id"]), json={"title": {"fr": "y"}}, headers=world.headers("staff")
    )
    assert_problem(r, 403)  # staff report progress, they do not edit results
    # unpublished component: 404 for the public, visible to admins
    hidden = await make_component(client, world, process_id=comp.process_id, publish=False)
    assert_problem(await client.get(hidden.results), 404)
    assert (await client.get(hidden.results, headers=world.headers("admin"))).status_code == 200
    # disabled module: 404 with its own problem type, data kept
    r = await client.delete("/v1/communes/alpha/modules/accountability", headers=world.headers("admin"))
    assert r.status_code == 204, r.text
    assert_problem(await client.get(comp.result(result["id"])), 404, type_="/problems/module-not-enabled")
    assert_problem(
        await client.get(f"/v1/communes/alpha/accountability/proposals/{result['id']}/results"),
        404,
        type_="/problems/module-not-enabled",
    )


async def test_deleting_the_component_takes_its_whole_tree(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    await make_status(client, world, comp, "works", 10)
    before = await count_rows(db)
    root = await make_result(client, world, comp, "Racine", status="works")
    child = await make_result(client, world, comp, "Lot", parent_id=root["id"], status="works")
    await make_result(client, world, comp, "Tâche", parent_id=child["id"])
    r = await client.post(
        comp.milestones(child["id"]),
        json={"entry_date": "2026-01-01", "title": {"fr": "x"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201
    r = await client.delete(comp.component_url, headers=world.headers("admin"))
    assert r.status_code == 204, r.text
    after = await count_rows(db)
    for table in ("accountability_result", "accountability_milestone", "accountability_status"):
        assert after[table] == 0, table
    assert before["accountability_status"] == 1
