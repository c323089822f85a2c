"""Phases of a process: create, list by position, edit with ETags, delete, validation, rights."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.spaces.helpers import (
    assert_problem,
    count_rows,
    create_phase,
    create_process,
    phase_body,
    phases_url,
    process_url,
)


async def test_create_returns_201_location_and_appends_by_position(
    client: httpx.AsyncClient, world: World
) -> None:
    process = await create_process(client, world)
    url = phases_url(process["id"])
    h = world.headers("admin")
    r = await client.post(
        url,
        json=phase_body("2026-02-01", "2026-02-28", description={"fr": "Dépôt des idées"}),
        headers=h,
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert r.headers["location"] == f"{url}/{first['id']}"
    assert first["process_id"] == process["id"]
    assert first["position"] == 0
    assert first["title"] == {"fr": "Phase", "nl": "Fase"}
    assert first["description"] == {"fr": "Dépôt des idées"}
    assert (first["start_date"], first["end_date"]) == ("2026-02-01", "2026-02-28")
    got = await client.get(r.headers["location"], headers=h)
    assert got.status_code == 200 and got.json() == first
    assert got.headers["etag"] == r.headers["etag"]
    second = await create_phase(client, world, process["id"], "2026-03-01", "2026-03-31")
    third = await create_phase(client, world, process["id"], "2026-04-01", "2026-04-01")
    assert (second["position"], third["position"]) == (1, 2)
    assert second["description"] == {}


async def test_list_and_process_order_phases_by_position(client: httpx.AsyncClient, world: World) -> None:
    process = await create_process(client, world)
    pid = process["id"]
    late = await create_phase(client, world, pid, "2026-09-01", "2026-09-30", position=7)
    early = await create_phase(client, world, pid, "2026-01-01", "2026-01-31", position=2)
    middle = await create_phase(client, world, pid, "2026-05-01", "2026-05-31", position=5)
    after = await create_phase(client, world, pid, "2026-10-01", "2026-10-31")
    assert after["position"] == 8
    expected = [early["id"], middle["id"], late["id"], after["id"]]
    h = world.headers("admin")
    listed = (await client.get(phases_url(pid), headers=h)).json()
    assert [p["id"] for p in listed["items"]] == expected and listed["next_cursor"] is None
    assert [p["id"] for p in (await client.get(process_url(pid), headers=h)).json()["phases"]] == expected
    # paging through the phases keeps the order
    page = await client.get(phases_url(pid) + "?limit=3", headers=h)
    assert [p["id"] for p in page.json()["items"]] == expected[:3]
    assert 'rel="next"' in page.headers["link"]
    rest = await client.get(phases_url(pid) + f"?limit=3&cursor={page.json()['next_cursor']}", headers=h)
    assert [p["id"] for p in rest.json()["items"]] == expected[3:]
    # moving a phase re-orders both views
    moved = await client.patch(f"{phases_url(pid)}/{early['id']}", json={"position": 9}, headers=h)
    assert moved.status_code == 200 and moved.json()["position"] == 9
    expected = [middle["id"], late["id"], after["id"], early["id"]]
    assert [p["id"] for p in (await client.get(phases_url(pid), headers=h)).json()["items"]] == expected
    assert [p["id"] for p in (await client.get(process_url(pid), headers=h)).json()["phases"]] == expected


BAD_CREATES: list[tuple[dict[str, Any], list[Any]]] = [
    (phase_body("2026-03-02", "2026-03-01"), ["body"]),
    (phase_body("2026-03-01", "not-a-date"), ["body", "end_date"]),
    ({"title": {"fr": "Sans dates"}}, ["body", "start_date"]),
    (phase_body("2026-03-01", "2026-03-31", position=-1), ["body", "position"]),
    (phase_body("2026-03-01", "2026-03-31", position=10_001), ["body", "position"]),
    (phase_body("2026-03-01", "2026-03-31", title={"de": "Phase"}), ["body", "title", "de"]),
    (phase_body("2026-03-01", "2026-03-31", description={"xx": "?"}), ["body", "description", "xx"]),
    (phase_body("2026-03-01", "2026-03-31", colour="red"), ["body", "colour"]),
    (phase_body("2026-03-01", "2026-03-31", process_id=None), ["body", "process_id"]),
]


async def test_create_validation_is_422_and_writes_nothing(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    process = await create_process(client, world)
    before = await count_rows(db)
    for body, location in BAD_CREATES:
        r = await client.post(phases_url(process["id"]), json=body, headers=world.headers("admin"))
        errors = assert_problem(r, 422, type_="/problems/invalid-input")["errors"]
        assert any(e["location"][: len(location)] == location for e in errors), (body, errors)
        assert await count_rows(db) == before, body
    assert (await client.get(phases_url(process["id"]), headers=world.headers("admin"))).json()["items"] == []
    assert (await client.get(process_url(process["id"]), headers=world.headers("admin"))).json() == process


async def test_a_one_day_phase_is_allowed(client: httpx.AsyncClient, world: World) -> None:
    process = await create_process(client, world)
    phase = await create_phase(client, world, process["id"], "2026-06-21", "2026-06-21")
    assert phase["start_date"] == phase["end_date"] == "2026-06-21"


async def test_patch_applies_only_sent_fields_with_if_match(client: httpx.AsyncClient, world: World) -> None:
    process = await create_process(client, world)
    phase = await create_phase(client, world, process["id"], "2026-03-01", "2026-03-31")
    url = f"{phases_url(process['id'])}/{phase['id']}"
    h = world.headers("admin")
    etag = (await client.get(url, headers=h)).headers["etag"]
    r = await client.patch(url, json={"end_date": "2026-04-15"}, headers={**h, "If-Match": etag})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["end_date"] == "2026-04-15"
    for key in ("title", "description", "start_date", "position", "process_id", "created_at"):
        assert body[key] == phase[key], key
    assert r.headers["etag"] != etag
    assert (await client.get(url, headers=h)).headers["etag"] == r.headers["etag"]
    stale = await client.patch(url, json={"title": {"fr": "Vote"}}, headers={**h, "If-Match": etag})
    assert_problem(stale, 412)
    assert (await client.get(url, headers=h)).json() == body
    fresh = await client.patch(
        url, json={"title": {"fr": "Vote"}}, headers={**h, "If-Match": r.headers["etag"]}
    )
    assert fresh.status_code == 200 and fresh.json()["title"] == {"fr": "Vote"}


async def test_rejected_patch_changes_nothing(client: httpx.AsyncClient, world: World) -> None:
    process = await create_process(client, world)
    phase = await create_phase(client, world, process["id"], "2026-03-01", "2026-03-31")
    url = f"{phases_url(process['id'])}/{phase['id']}"
    h = world.headers("admin")
    for change in (
        {"end_date": "2026-02-28"},
        {"start_date": "2026-04-01"},
        {"start_date": "2026-03-20", "end_date": "2026-03-10"},
        {"start_date": None},
        {"end_date": None},
        {"title": None},
        {"position": None},
        {"position": -3},
        {"title": {"de": "Abstimmung"}},
        {"process_id": "00000000-0000-4000-8000-000000000000"},
    ):
        r = await client.patch(url, json=change, headers=h)
        assert assert_problem(r, 422)["errors"], change
        assert (await client.get(url, headers=h)).json() == phase, change


async def test_delete_phase(client: httpx.AsyncClient, world: World, db: Database) -> None:
    process = await create_process(client, world)
    pid = process["id"]
    a = await create_phase(client, world, pid, "2026-01-01", "2026-01-31")
    b = await create_phase(client, world, pid, "2026-02-01", "2026-02-28")
    h = world.headers("admin")
    r = await client.delete(f"{phases_url(pid)}/{a['id']}", headers=h)
    assert r.status_code == 204 and r.content == b""
    assert_problem(await client.get(f"{phases_url(pid)}/{a['id']}", headers=h), 404)
    assert [p["id"] for p in (await client.get(phases_url(pid), headers=h)).json()["items"]] == [b["id"]]
    assert [p["id"] for p in (await client.get(process_url(pid), headers=h)).json()["phases"]] == [b["id"]]
    assert (await count_rows(db))["phase"] == 1
    assert (await client.delete(f"{phases_url(pid)}/{a['id']}", headers=h)).status_code == 404


async def test_a_phase_of_another_process_is_404_through_this_one(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    one = await create_process(client, world, "one")
    two = await create_process(client, world, "two")
    phase = await create_phase(client, world, two["id"], "2026-03-01", "2026-03-31")
    wrong = f"{phases_url(one['id'])}/{phase['id']}"
    h = world.headers("admin")
    assert_problem(await client.get(wrong, headers=h), 404)
    assert_problem(await client.patch(wrong, json={"position": 4}, headers=h), 404)
    assert_problem(await client.delete(wrong, headers=h), 404)
    right = await client.get(f"{phases_url(two['id'])}/{phase['id']}", headers=h)
    assert right.json() == phase
    assert (await count_rows(db))["phase"] == 1


async def test_phase_writes_need_spaces_manage(client: httpx.AsyncClient, world: World, db: Database) -> None:
    process = await create_process(client, world, publish=True)
    phase = await create_phase(client, world, process["id"], "2026-03-01", "2026-03-31")
    url = phases_url(process["id"])
    before = await count_rows(db)
    for who, status in (
        ("anonymous", 401),
        ("participant", 403),
        ("staff", 403),
        ("moderator", 403),
        ("beta_admin", 403),
    ):
        h = world.headers(who)
        new = phase_body("2026-04-01", "2026-04-30")
        assert_problem(await client.post(url, json=new, headers=h), status)
        assert_problem(await client.patch(f"{url}/{phase['id']}", json={"position": 3}, headers=h), status)
        assert_problem(await client.delete(f"{url}/{phase['id']}", headers=h), status)
        assert await count_rows(db) == before, who
        # the process is published: anyone reads its phases
        got = await client.get(f"{url}/{phase['id']}", headers=h)
        assert got.status_code == 200 and got.json() == phase, who
        assert [p["id"] for p in (await client.get(url, headers=h)).json()["items"]] == [phase["id"]], who


async def test_admin_and_platform_admin_edit_phases(client: httpx.AsyncClient, world: World) -> None:
    process = await create_process(client, world)
    for who in ("admin", "platform"):
        phase = await create_phase(client, world, process["id"], "2026-03-01", "2026-03-31", who=who)
        url = f"{phases_url(process['id'])}/{phase['id']}"
        r = await client.patch(url, json={"position": 4}, headers=world.headers(who))
        assert r.status_code == 200 and r.json()["position"] == 4, who
        assert (await client.delete(url, headers=world.headers(who))).status_code == 204, who
        assert (await client.get(url, headers=world.headers(who))).status_code == 404, who


async def test_phases_with_equal_positions_are_listed_as_the_process_shows_them(
    client: httpx.AsyncClient, world: World
) -> None:
    process = await create_process(client, world)
    pid = process["id"]
    a = await create_phase(client, world, pid, "2026-03-01", "2026-03-31", position=0)
    b = await create_phase(client, world, pid, "2026-03-01", "2026-03-31", position=0)
    low, high = sorted([a["id"], b["id"]], key=uuid.UUID)
    h = world.headers("admin")
    # the phase with the lower id starts later: one documented order (position, then id) holds everywhere
    r = await client.patch(f"{phases_url(pid)}/{low}", json={"start_date": "2026-03-15"}, headers=h)
    assert r.status_code == 200, r.text
    embedded = [p["id"] for p in (await client.get(process_url(pid), headers=h)).json()["phases"]]
    assert embedded == [low, high]
    listed = [p["id"] for p in (await client.get(phases_url(pid), headers=h)).json()["items"]]
    assert listed == embedded
