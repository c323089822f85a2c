"""Participatory processes through the real app: create, validate, edit with ETags, delete, rights, lists."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.spaces.helpers import (
    assert_problem,
    brussels_today,
    components_url,
    count_rows,
    create_component,
    create_phase,
    create_process,
    enable_example,
    phase_body,
    phases_url,
    process_body,
    process_url,
    processes_url,
)

URL = processes_url()


async def test_create_returns_201_location_and_the_draft(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(URL, json=process_body(), headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/v1/communes/alpha/processes/{body['id']}"
    assert r.headers["etag"].startswith('"')
    assert body["slug"] == "budget-2026"
    assert body["title"] == {"fr": "Budget participatif 2026", "nl": "Burgerbegroting 2026"}
    assert body["description"] == {"fr": "Proposez des projets."}
    assert (body["start_date"], body["end_date"]) == ("2026-01-15", "2026-11-30")
    assert body["published_at"] is None
    assert body["phases"] == [] and body["active_phase_id"] is None and body["active_phase_pinned"] is False
    got = await client.get(r.headers["location"], headers=world.headers("admin"))
    assert got.status_code == 200
    assert got.json() == body
    assert got.headers["etag"] == r.headers["etag"]


async def test_minimal_process_gets_empty_description_and_no_dates(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        URL, json={"slug": "mini", "title": {"fr": "Mini"}}, headers=world.headers("platform")
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["description"] == {} and body["start_date"] is None and body["end_date"] is None


BAD_CREATES: list[tuple[dict[str, Any], list[Any]]] = [
    ({"colour": "red"}, ["body", "colour"]),
    ({"published_at": "2026-01-01T00:00:00Z"}, ["body", "published_at"]),
    ({"slug": "Bad Slug"}, ["body", "slug"]),
    ({"slug": "-dash"}, ["body", "slug"]),
    ({"slug": "x" * 64}, ["body", "slug"]),
    ({"start_date": "2026-05-01", "end_date": "2026-04-30"}, ["body"]),
    ({"start_date": "2026-02-30"}, ["body", "start_date"]),
    ({"title": {"xx": "Titre"}}, ["body", "title", "xx"]),
    ({"title": {"fr": "Budget", "de": "Haushalt"}}, ["body", "title", "de"]),
    ({"description": {"de": "Beschreibung"}}, ["body", "description", "de"]),
    ({"title": {}}, ["body", "title"]),
    ({"title": {"fr": ""}}, ["body", "title", "fr"]),
    ({"title": {"FR": "Titre"}}, ["body", "title"]),
    ({"title": None}, ["body", "title"]),
]


async def test_create_validation_is_422_and_writes_nothing(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    before = await count_rows(db)
    for change, location in BAD_CREATES:
        r = await client.post(URL, json=process_body(**change), headers=world.headers("admin"))
        body = assert_problem(r, 422, type_="/problems/invalid-input")
        assert any(e["location"][: len(location)] == location for e in body["errors"]), (change, body)
        assert await count_rows(db) == before, change
    listed = await client.get(URL, headers=world.headers("admin"))
    assert listed.json()["items"] == []


async def test_unknown_locale_lists_the_offending_field(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        URL, json=process_body(title={"fr": "A", "de": "B"}), headers=world.headers("admin")
    )
    body = assert_problem(r, 422)
    assert body["errors"] == [
        {
            "location": ["body", "title", "de"],
            "message": "unknown locale; this commune offers en, fr, nl",
            "code": "unknown_locale",
        }
    ]


async def test_duplicate_slug_is_409_but_other_communes_may_reuse_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    first = await create_process(client, world, "budget-2026")
    before = await count_rows(db)
    r = await client.post(URL, json=process_body("budget-2026"), headers=world.headers("platform"))
    assert assert_problem(r, 409, type_="/problems/conflict")["reason"] == "slug_taken"
    assert await count_rows(db) == before
    items = (await client.get(URL, headers=world.headers("admin"))).json()["items"]
    assert [p["id"] for p in items] == [first["id"]]
    other = await create_process(client, world, "budget-2026", commune="beta", who="beta_admin")
    assert other["id"] != first["id"]


async def test_concurrent_creations_with_one_slug_make_one_process(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    h = world.headers("admin")
    results = await asyncio.gather(
        *(client.post(URL, json=process_body("race"), headers=h) for _ in range(4))
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409], [r.text for r in results]
    assert {r.json()["reason"] for r in results if r.status_code == 409} == {"slug_taken"}
    assert (await count_rows(db))["process"] == 1


async def test_patch_applies_only_the_fields_sent(client: httpx.AsyncClient, world: World) -> None:
    created = await create_process(client, world)
    h = world.headers("admin")
    r = await client.patch(process_url(created["id"]), json={"end_date": "2026-12-15"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["end_date"] == "2026-12-15"
    for key in ("slug", "title", "description", "start_date", "published_at"):
        assert body[key] == created[key], key
    r = await client.patch(
        process_url(created["id"]), json={"description": None, "slug": "bp-2026"}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["description"] == {} and r.json()["slug"] == "bp-2026"
    assert (await client.get(process_url(created["id"]), headers=h)).json()["slug"] == "bp-2026"


async def test_rejected_patch_changes_nothing(client: httpx.AsyncClient, world: World) -> None:
    created = await create_process(client, world)
    h = world.headers("admin")
    for change in (
        {"start_date": "2026-12-01"},
        {"end_date": "2026-01-14"},
        {"title": None},
        {"slug": None},
        {"slug": "Not OK"},
        {"title": {"de": "Haushalt"}},
        {"description": {"xx": "?"}},
        {"colour": "red"},
        {"published_at": None},
    ):
        r = await client.patch(process_url(created["id"]), json=change, headers=h)
        assert assert_problem(r, 422)["errors"], change
        got = await client.get(process_url(created["id"]), headers=h)
        assert got.json() == created, change


async def test_patch_to_a_taken_slug_is_409(client: httpx.AsyncClient, world: World) -> None:
    await create_process(client, world, "first")
    second = await create_process(client, world, "second")
    h = world.headers("admin")
    r = await client.patch(process_url(second["id"]), json={"slug": "first"}, headers=h)
    assert assert_problem(r, 409)["reason"] == "slug_taken"
    assert (await client.get(process_url(second["id"]), headers=h)).json()["slug"] == "second"
    same = await client.patch(process_url(second["id"]), json={"slug": "second"}, headers=h)
    assert same.status_code == 200


async def test_if_match_guards_concurrent_edits(client: httpx.AsyncClient, world: World) -> None:
    created = await create_process(client, world)
    url = process_url(created["id"])
    h = world.headers("admin")
    etag = (await client.get(url, headers=h)).headers["etag"]
    r = await client.patch(url, json={"title": {"fr": "Premier"}}, headers={**h, "If-Match": etag})
    assert r.status_code == 200, r.text
    new_etag = r.headers["etag"]
    assert new_etag != etag
    stale = await client.patch(url, json={"title": {"fr": "Second"}}, headers={**h, "If-Match": etag})
    assert assert_problem(stale, 412, type_="/problems/precondition-failed")
    assert (await client.get(url, headers=h)).json()["title"] == {"fr": "Premier"}
    # the ETag a PATCH answers is the one the next read shows, so a client can chain edits with it
    assert (await client.get(url, headers=h)).headers["etag"] == new_etag
    again = await client.patch(url, json={"title": {"fr": "Second"}}, headers={**h, "If-Match": new_etag})
    assert again.status_code == 200, again.text
    star = await client.patch(url, json={"title": {"fr": "Trois"}}, headers={**h, "If-Match": "*"})
    assert star.status_code == 200


async def test_concurrent_patches_with_one_etag_let_exactly_one_win(
    client: httpx.AsyncClient, world: World
) -> None:
    await enable_example(client, world)
    h = world.headers("admin")
    outcomes: dict[str, list[list[int]]] = {"process": [], "phase": [], "component": []}
    for i in range(8):
        process = await create_process(client, world, f"race-{i}")
        phase = await create_phase(client, world, process["id"], "2026-01-01", "2026-01-31")
        component = await create_component(client, world, process["id"])
        for kind, url, field in (
            ("process", process_url(process["id"]), "title"),
            ("phase", f"{phases_url(process['id'])}/{phase['id']}", "title"),
            ("component", f"{components_url(process['id'])}/{component['id']}", "name"),
        ):
            etag = (await client.get(url, headers=h)).headers["etag"]
            results = await asyncio.gather(
                *(client.patch(url, json={field: {"fr": t}}, headers={**h, "If-Match": etag}) for t in "ABC")
            )
            outcomes[kind].append(sorted(r.status_code for r in results))
    assert outcomes == {kind: [[200, 412, 412]] * 8 for kind in outcomes}


async def test_adding_a_phase_or_publishing_changes_the_process_etag(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await create_process(client, world)
    url = process_url(created["id"])
    h = world.headers("admin")
    etag = (await client.get(url, headers=h)).headers["etag"]
    await create_phase(client, world, created["id"], "2026-02-01", "2026-02-28")
    r = await client.patch(url, json={"slug": "changed"}, headers={**h, "If-Match": etag})
    assert r.status_code == 412
    etag = (await client.get(url, headers=h)).headers["etag"]
    assert (await client.post(url + "/publish", headers=h)).status_code == 200
    r = await client.patch(url, json={"slug": "changed"}, headers={**h, "If-Match": etag})
    assert r.status_code == 412
    assert (await client.get(url, headers=h)).json()["slug"] == "budget-2026"


async def test_delete_removes_the_process_its_phases_and_components(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_example(client, world)
    keep = await create_process(client, world, "keep")
    await create_phase(client, world, keep["id"], "2026-01-01", "2026-01-31")
    gone = await create_process(client, world, "gone")
    today = brussels_today()
    phase = await create_phase(client, world, gone["id"], today, today)
    await create_component(client, world, gone["id"], step_settings={phase["id"]: {"posting_enabled": True}})
    h = world.headers("admin")
    pin = await client.put(
        process_url(gone["id"]) + "/active-phase", json={"phase_id": phase["id"]}, headers=h
    )
    assert pin.status_code == 200
    assert await count_rows(db) == {"process": 2, "phase": 2, "component": 1}
    r = await client.delete(process_url(gone["id"]), headers=h)
    assert r.status_code == 204 and r.content == b""
    assert assert_problem(await client.get(process_url(gone["id"]), headers=h), 404)
    assert (await client.get(phases_url(gone["id"]), headers=h)).status_code == 404
    assert (await client.get(components_url(gone["id"]), headers=h)).status_code == 404
    assert await count_rows(db) == {"process": 1, "phase": 1, "component": 0}
    assert (await client.delete(process_url(gone["id"]), headers=h)).status_code == 404
    # the slug is free again
    assert (await client.post(URL, json=process_body("gone"), headers=h)).status_code == 201


FORBIDDEN = [
    ("anonymous", 401),
    ("participant", 403),
    ("staff", 403),
    ("moderator", 403),
    ("valuator", 403),
    ("outsider", 403),
    ("beta_admin", 403),
]


async def test_writes_need_spaces_manage(client: httpx.AsyncClient, world: World, db: Database) -> None:
    existing = await create_process(client, world, "existing")
    url = process_url(existing["id"])
    before = await count_rows(db)
    for who, status in FORBIDDEN:
        h = world.headers(who)
        attempts = [
            await client.post(URL, json=process_body("new"), headers=h),
            await client.patch(url, json={"slug": "renamed"}, headers=h),
            await client.delete(url, headers=h),
            await client.post(url + "/publish", headers=h),
            await client.post(url + "/unpublish", headers=h),
            await client.put(url + "/active-phase", json={"phase_id": None}, headers=h),
        ]
        for r in attempts:
            assert r.status_code == status, (who, r.request.method, r.request.url, r.text)
            assert_problem(r, status)
            if status == 401:
                assert r.headers["www-authenticate"] == "Bearer"
        assert await count_rows(db) == before, who
        assert (await client.get(url, headers=world.headers("admin"))).json() == existing, who


async def test_admin_and_platform_admin_may_write(client: httpx.AsyncClient, world: World) -> None:
    for who in ("admin", "platform"):
        created = await create_process(client, world, f"p-{who}", who=who)
        url = process_url(created["id"])
        h = world.headers(who)
        r = await client.patch(url, json={"slug": f"q-{who}"}, headers=h)
        assert r.status_code == 200 and r.json()["slug"] == f"q-{who}", who
        r = await client.post(url + "/publish", headers=h)
        assert r.status_code == 200 and r.json()["published_at"] is not None, who
        assert (await client.delete(url, headers=h)).status_code == 204, who
        assert (await client.get(url, headers=h)).status_code == 404, who


async def test_list_is_paginated_newest_first_with_link_header(
    client: httpx.AsyncClient, world: World
) -> None:
    slugs = [f"p{i}" for i in range(5)]
    for slug in slugs:
        await create_process(client, world, slug)
    h = world.headers("admin")
    seen: list[str] = []
    url: str | None = URL + "?limit=2"
    pages = 0
    while url:
        r = await client.get(url, headers=h)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) == (2 if pages < 2 else 1)
        seen += [p["slug"] for p in page["items"]]
        link = r.headers.get("link")
        assert (link is not None) == (page["next_cursor"] is not None)
        if link:
            assert link.endswith('>; rel="next"') and "limit=2" in link
            url = link.split(";")[0].strip("<>").replace("http://testserver", "")
            assert f"cursor={page['next_cursor']}" in url
        else:
            url = None
        pages += 1
    assert pages == 3
    assert seen == list(reversed(slugs))


async def test_list_sorted_by_slug_and_filtered(client: httpx.AsyncClient, world: World) -> None:
    for slug in ("c", "a", "b"):
        await create_process(client, world, slug, publish=slug == "b")
    h = world.headers("admin")
    first = (await client.get(URL + "?sort=slug&limit=2", headers=h)).json()
    assert [p["slug"] for p in first["items"]] == ["a", "b"]
    rest = (await client.get(URL + f"?sort=slug&limit=2&cursor={first['next_cursor']}", headers=h)).json()
    assert [p["slug"] for p in rest["items"]] == ["c"] and rest["next_cursor"] is None
    desc = (await client.get(URL + "?sort=-slug", headers=h)).json()
    assert [p["slug"] for p in desc["items"]] == ["c", "b", "a"]
    drafts = (await client.get(URL + "?published=false&sort=slug", headers=h)).json()
    assert [p["slug"] for p in drafts["items"]] == ["a", "c"]
    published = (await client.get(URL + "?published=true", headers=h)).json()
    assert [p["slug"] for p in published["items"]] == ["b"]
    # a cursor made for one sort order is refused under another
    assert (await client.get(URL + f"?cursor={first['next_cursor']}", headers=h)).status_code == 422


async def test_bad_list_parameters_are_422(client: httpx.AsyncClient, world: World) -> None:
    await create_process(client, world)
    for query in ("limit=1000000", "limit=101", "limit=0", "cursor=garbage", "sort=title", "sort=-secret"):
        r = await client.get(f"{URL}?{query}", headers=world.headers("admin"))
        assert assert_problem(r, 422)["errors"], query
    assert len((await client.get(f"{URL}?limit=100", headers=world.headers("admin"))).json()["items"]) == 1


async def test_unknown_commune_and_malformed_ids_are_answered_cleanly(
    client: httpx.AsyncClient, world: World
) -> None:
    assert_problem(await client.get(processes_url("nowhere")), 404)
    assert_problem(await client.get(URL + "/not-a-uuid", headers=world.headers("admin")), 422)
    missing = URL + "/00000000-0000-4000-8000-000000000000"
    assert_problem(
        await client.get(missing, headers=world.headers("admin")), 404, type_="/problems/not-found"
    )
    assert_problem(await client.patch(missing, json={}, headers=world.headers("admin")), 404)


async def test_phases_added_at_the_same_time_take_distinct_positions(
    client: httpx.AsyncClient, world: World
) -> None:
    process = await create_process(client, world, "concurrent-phases")
    h = world.headers("admin")
    results = await asyncio.gather(
        *(
            client.post(
                phases_url(process["id"]),
                json=phase_body(f"2026-0{m}-01", f"2026-0{m}-28"),
                headers=h,
            )
            for m in range(1, 9)
        )
    )
    assert [r.status_code for r in results] == [201] * 8, [r.text for r in results]
    assert sorted(r.json()["position"] for r in results) == list(range(8))
