"""Bulk updates from the commune's systems: CSV import (all or nothing, row-level errors), open-data
exports, and integrators' API keys."""

from __future__ import annotations

import csv
import io

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.fixtures.loop import slowest_wait_during
from tests.modules.accountability.helpers import (
    Comp,
    assert_problem,
    count_rows,
    get_result,
    make_component,
    make_result,
    make_status,
)

CSV = {"Content-Type": "text/csv"}


async def _import(
    client: httpx.AsyncClient, world: World, comp: Comp, text: str, who: str = "admin"
) -> httpx.Response:
    return await client.post(
        comp.url + "/import", content=text.encode(), headers={**world.headers(who), **CSV}
    )


async def test_csv_import_creates_and_updates_by_id_or_external_id(
    client: httpx.AsyncClient, world: World
) -> None:
    comp = await make_component(client, world)
    await make_status(client, world, comp, "works", 50)
    existing = await make_result(client, world, comp, "Ancien", external_id="G-1", progress=10)
    by_id = await make_result(client, world, comp, "Par id", progress=5)
    text = (
        "external_id;parent_external_id;id;title_fr;title_nl;status;progress;weight;planned_amount;district\n"
        "P-1;;;Parc du centre;Stadspark;;;;100000;Centre\n"
        "P-1.1;P-1;;Aire de jeux;;works;;2;40000;Centre\n"
        "P-1.2;P-1;;Plantations;;;80;1;;Centre\n"
        "G-1;P-1;;;;;20;;;\n"
        f";;{by_id['id']};Nouveau titre;;;;;;Nord\n"
    )
    r = await _import(client, world, comp, text)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["updated"]) == (3, 2)
    park = await get_result(client, comp, body["result_ids"][0])
    playground = await get_result(client, comp, body["result_ids"][1])
    assert playground["parent_id"] == park["id"] and playground["status"]["key"] == "works"
    assert playground["progress"] == 50  # the status's progress
    assert park["title"] == {"fr": "Parc du centre", "nl": "Stadspark"} and park["planned_amount"] == 100_000
    # park = (2*50 + 1*80 + 1*20) / 4, the old result moved under it with its new progress
    assert park["progress"] == 50 and park["children_count"] == 3
    moved = await get_result(client, comp, existing["id"])
    assert moved["parent_id"] == park["id"] and moved["title"] == {"fr": "Ancien"}
    renamed = await get_result(client, comp, by_id["id"])
    assert (
        renamed["title"] == {"fr": "Nouveau titre"}
        and renamed["district"] == "Nord"
        and renamed["progress"] == 5
    )

    # importing the same file again changes nothing and creates nothing
    r = await _import(client, world, comp, text)
    assert r.status_code == 200 and r.json()["created"] == 0
    r = await client.get(comp.results, params={"limit": 100})
    assert len(r.json()["items"]) == 5


async def test_export_csv_imports_back(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    await make_status(client, world, comp, "done", 100)
    root = await make_result(client, world, comp, "=Racine", district="Sud", planned_amount=10)
    await make_result(client, world, comp, "Lot", parent_id=root["id"], status="done", external_id="L")
    r = await client.get(comp.url + "/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows[0]["title_fr"] == "'=Racine"  # never a spreadsheet formula
    assert rows[0]["progress"] == "100" and rows[0]["progress_rolled_up"] == "true"
    assert (
        rows[1]["parent_id"] == root["id"]
        and rows[1]["status"] == "done"
        and rows[1]["status_name_fr"] == "Done"
    )
    r = await client.get(comp.url + "/export.json")
    assert [x["external_id"] for x in r.json()["items"]] == [None, "L"]
    # the export, edited, imports back: parents keep their rolled-up progress
    edited = r.text
    edited = (await client.get(comp.url + "/export.csv")).text.replace("'=Racine", "Racine")
    r = await _import(client, world, comp, edited)
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["updated"]) == (0, 2)
    assert (await get_result(client, comp, root["id"]))["title"] == {"fr": "Racine"}


async def test_malformed_csv_writes_nothing(client: httpx.AsyncClient, world: World, db: Database) -> None:
    comp = await make_component(client, world)
    other = await make_component(client, world, process_id=comp.process_id)
    parent = await make_result(client, world, comp, "Parent")
    await make_result(client, world, comp, "Enfant", parent_id=parent["id"], external_id="E")
    foreign = await make_result(client, world, other, "Ailleurs")
    before = await count_rows(db)
    bad_files = {
        "unknown column": "title_fr,colour\nx,red\n",
        "no header": "",
        "not utf-8": "title_fr\n\xe9t\xe9\n",
        "field count": "title_fr,district\nA,B,C\n",
        "unknown locale": "title_de\nHallo\n",
        "bad quoting": 'title_fr\n"unterminated\n',
        "row errors": (
            "external_id,parent_external_id,title_fr,progress,start_date,end_date,status\n"
            "A,,Bon,50,,,\n"
            "B,,,10,,,\n"  # a new result needs a title
            "C,,Trop,101,,,\n"  # progress out of range
            "D,,Dates,,2026-05-01,2026-04-01,\n"
            "F,,Statut,,,,nope\n"
            "G,NOPE,Parent inconnu,,,,\n"
        ),
        "cycle": f"id,parent_external_id\n{parent['id']},E\n",
        "parent elsewhere": f"title_fr,parent_id\nx,{foreign['id']}\n",
        "rolled-up progress": f"id,progress\n{parent['id']},42\n",
        "unknown id": f"id,title_fr\n{foreign['id']},x\n",
        "duplicate rows": f"id,title_fr\n{parent['id']},x\n{parent['id']},y\n",
    }
    for name, text in bad_files.items():
        r = await client.post(
            comp.url + "/import", content=text.encode("latin-1"), headers={**world.headers("admin"), **CSV}
        )
        problem = assert_problem(r, 422)
        assert problem["errors"], name
        assert all(e["location"][0] == "body" for e in problem["errors"]), name
    r = await _import(client, world, comp, bad_files["row errors"])
    codes = {(e["row"], e["code"]) for e in assert_problem(r, 422)["errors"]}
    assert {(3, "missing"), (4, "less_than_equal"), (6, "unknown_status"), (7, "parent_not_found")} <= codes
    assert any(row == 5 for row, _ in codes)
    r = await client.post(comp.url + "/import", content=b"title_fr\nx\n", headers=world.headers("admin"))
    assert_problem(r, 415)
    r = await _import(client, world, comp, "title_fr\nx\n", who="staff")
    assert_problem(r, 403)
    assert await count_rows(db) == before


async def test_integrator_keys(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    await make_status(client, world, comp, "done", 100)
    result = await make_result(client, world, comp, external_id="ERP-7")
    keys = {}
    for scope in ("write:accountability", "read"):
        r = await client.post(
            "/v1/communes/alpha/api-keys",
            json={"name": scope, "scopes": [scope]},
            headers=world.headers("admin"),
        )
        assert r.status_code == 201, r.text
        keys[scope] = {"X-API-Key": r.json()["key"]}
    writer, reader = keys["write:accountability"], keys["read"]
    # find the result by its external id, then report progress and a milestone
    r = await client.get(comp.results, params={"external_id": "ERP-7"}, headers=writer)
    target = r.json()["items"][0]["id"]
    r = await client.patch(comp.result(target) + "/progress", json={"progress": 70}, headers=writer)
    assert r.status_code == 200 and r.json()["progress"] == 70
    r = await client.patch(comp.result(target) + "/progress", json={"status": "done"}, headers=writer)
    assert r.json()["progress"] == 100
    r = await client.post(
        comp.milestones(target),
        json={"entry_date": "2026-06-30", "title": {"fr": "Inauguration"}},
        headers=writer,
    )
    assert r.status_code == 201, r.text
    r = await _import(client, world, comp, "external_id,spent_amount\nERP-7,9000\n", who="admin")
    assert r.status_code == 200
    r = await client.post(
        comp.url + "/import", content=b"external_id,progress\nERP-7,90\n", headers={**writer, **CSV}
    )
    assert r.status_code == 200, r.text
    assert (await get_result(client, comp, result["id"]))["spent_amount"] == 9000
    # the history says an API key did it
    r = await client.get(comp.result(target) + "/history")
    assert {e["actor_type"] for e in r.json()["items"]} >= {"user", "api_key"}
    # a read-only key may not write; a key of alpha is refused on beta
    r = await client.patch(comp.result(target) + "/progress", json={"progress": 1}, headers=reader)
    assert_problem(r, 403)
    await make_component(client, world, commune="beta")
    r = await client.get("/v1/communes/beta/processes", headers=writer)
    assert_problem(r, 401)


async def test_a_large_import_is_parsed_off_the_event_loop(client: httpx.AsyncClient, world: World) -> None:
    """Thousands of rows are parsed and checked in a worker thread: `/health/live` answers meanwhile."""
    comp = await make_component(client, world)
    rows = [f"Résultat {i} {'x' * 60},{i},nowhere-{i},{i % 100}" for i in range(5_000)]
    content = "title_fr,external_id,parent_external_id,progress\n" + "\n".join(rows) + "\n"
    assert len(content.encode()) > 65_536  # the suite's general body limit: import routes have their own
    r, took, slowest = await slowest_wait_during(client, _import(client, world, comp, content))
    assert r.status_code == 422, r.text  # every parent is unknown: all time went to parsing and checking
    # parsed on the loop, /health/live waits for most of the import
    assert slowest < max(took / 2, 0.03), f"/health/live waited {slowest:.2f} s of the import's {took:.2f} s"
