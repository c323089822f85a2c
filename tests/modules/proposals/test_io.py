"""Open-data export (CSV, JSON: public names only, published answers only) and CSV import (all or
nothing, every row's problems listed)."""

from __future__ import annotations

import csv
import io

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.fixtures.loop import slowest_wait_during
from tests.modules.proposals.helpers import assert_problem, count_rows, create, make_component

CSV = {"Content-Type": "text/csv; charset=utf-8"}


async def test_export_is_open_data(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world, settings={"geolocation_enabled": True})
    me = world.headers("participant")
    proposal = await create(
        client, comp, me, title={"fr": '=HYPERLINK("x")', "nl": "Een tuin"}, latitude=50.6, longitude=5.5
    )
    await create(client, comp, me, publish=False)  # a draft: never exported
    admin = world.headers("admin")
    r = await client.put(
        comp.proposal(proposal["id"]) + "/answer", json={"state": "accepted", "cost": 100}, headers=admin
    )
    assert r.status_code == 200
    rows = (await client.get(f"{comp.url}/export.json")).json()["items"]
    assert len(rows) == 1
    row = rows[0]
    assert row["authors"] == ["participant"] and row["state"] == "accepted" and row["cost"] == 100
    assert "participant@alpha.test.org" not in str(rows) and str(world.users["participant"].id) not in str(
        rows
    )
    r = await client.get(f"{comp.url}/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(r.text)))
    assert len(lines) == 1
    line = lines[0]
    assert line["reference"] == proposal["reference"]
    assert line["title_fr"] == '\'=HYPERLINK("x")' and line["title_nl"] == "Een tuin"  # never a formula
    assert line["state"] == "accepted" and line["state_name_fr"] == "Acceptée" and line["cost"] == "100"
    assert line["latitude"] == "50.6" and line["authors"] == "participant"
    assert set(lines[0]) >= {"title_en", "body_fr", "answer_fr", "supports_count", "published_at"}


IMPORT = (
    "title_fr;title_nl;body_fr;district;author_name\n"
    "Un jardin;Een tuin;Un jardin partagé au centre.;Centre;Comité de quartier\n"
    "Des bancs;;Des bancs le long du fleuve.;;\n"
)


async def test_import_creates_published_proposals(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    url = f"{comp.url}/import"
    assert_problem(
        await client.post(url, content=IMPORT.encode(), headers={**CSV, **world.headers("staff")}), 403
    )
    r = await client.post(url, json={"rows": []}, headers=world.headers("admin"))
    assert_problem(r, 415)
    r = await client.post(url, content=IMPORT.encode(), headers={**CSV, **world.headers("admin")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["created"] == 2 and len(set(body["references"])) == 2
    listed = (await client.get(comp.proposals, params={"sort": "published_at"})).json()["items"]
    by_title = {p["title"]["fr"]: p for p in listed}
    assert by_title["Un jardin"]["authors"] == [
        {"user_id": None, "name": "Comité de quartier", "deleted": False}
    ]
    assert by_title["Un jardin"]["official"] is False and by_title["Un jardin"]["district"] == "Centre"
    assert by_title["Des bancs"]["official"] is True and by_title["Des bancs"]["reference"]


async def test_import_is_all_or_nothing(client: httpx.AsyncClient, world: World, db: Database) -> None:
    comp = await make_component(client, world, settings={"districts": ["Centre"], "title_max_length": 20})
    admin = {**CSV, **world.headers("admin")}
    before = await count_rows(db)
    bad = (
        "title_fr,body_fr,district,latitude,longitude\n"
        "Bon titre,Un corps assez long pour passer.,Centre,,\n"
        "Un titre beaucoup trop long pour ce composant,Un corps assez long pour passer.,Centre,,\n"
        ",Un corps assez long.,Nord,,\n"
        "Titre,Un corps assez long pour passer.,Centre,95,5\n"
        "Titre,trop court,,,,\n"
    )
    r = await client.post(f"{comp.url}/import", content=bad.encode(), headers=admin)
    problem = assert_problem(r, 422)
    found = {
        (e["location"][1], e["location"][2] if len(e["location"]) > 2 else None, e["code"])
        for e in problem["errors"]
    }
    assert (3, "title_fr", "string_too_long") in found
    assert (4, "title", "value_error") in found  # no title at all
    assert (5, "latitude", "less_than_equal") in found
    assert (6, None, "wrong_field_count") in found
    assert all(e["row"] == e["location"][1] for e in problem["errors"])
    assert await count_rows(db) == before
    for content, code in (
        (b"nom\nx\n", "unknown_column"),
        (b"\xff\xfe", "not_utf8"),
        (b"", "missing_header"),
        (b"title_fr\n", "empty"),
    ):
        r = await client.post(f"{comp.url}/import", content=content, headers=admin)
        assert assert_problem(r, 422)["errors"][0]["code"] == code, content
    assert await count_rows(db) == before


async def test_a_large_import_is_parsed_off_the_event_loop(client: httpx.AsyncClient, world: World) -> None:
    """A CSV past the general body limit (import routes have their own) is parsed in a worker thread:
    `/health/live` answers while thousands of rows are checked."""
    comp = await make_component(client, world)
    rows = [f"Titre {i} {'x' * 60},Texte {i} {'y' * 400},Centre,Rue {i},4.35,91" for i in range(5_000)]
    content = ("title_fr,body_fr,district,address,longitude,latitude\n" + "\n".join(rows) + "\n").encode()
    assert len(content) > 65_536  # the suite's general body limit
    admin = {**CSV, **world.headers("admin")}
    r, took, slowest = await slowest_wait_during(
        client, client.post(f"{comp.url}/import", content=content, headers=admin)
    )
    assert_problem(r, 422)  # every latitude is out of range: all time went to parsing and checking
    assert r.json()["error_count"] >= 5_000
    # parsed on the loop, /health/live waits for most of the import
    assert slowest < max(took / 2, 0.03), f"/health/live waited {slowest:.2f} s of the import's {took:.2f} s"
