"""Components: instances of an enabled module in a process, with validated settings and step settings, and
their effective settings for the active phase."""

from __future__ import annotations

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.spaces.helpers import (
    DAY,
    assert_problem,
    brussels_today,
    components_url,
    count_rows,
    create_component,
    create_phase,
    create_process,
    enable_example,
    phases_url,
    process_url,
)

NAME = {"fr": "Idées", "nl": "Ideeën"}
DEFAULTS = {"max_items": 10, "label": "items"}
STEP_DEFAULTS = {"posting_enabled": False, "max_items": None}


async def test_module_must_be_enabled_for_the_commune(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    process = await create_process(client, world)
    url = components_url(process["id"])
    h = world.headers("admin")
    body = {"module_key": "example", "name": NAME}
    before = await count_rows(db)
    problem = assert_problem(
        await client.post(url, json=body, headers=h), 422, type_="/problems/invalid-input"
    )
    assert problem["reason"] == "module_not_enabled"
    assert problem["errors"][0]["location"] == ["body", "module_key"]
    unknown = await client.post(url, json={**body, "module_key": "nope"}, headers=h)
    assert assert_problem(unknown, 404)["reason"] == "module_not_installed"
    assert_problem(await client.post(url, json={**body, "module_key": "Bad-Key"}, headers=h), 422)
    assert await count_rows(db) == before
    # enabled in beta only: still not enabled for alpha
    await enable_example(client, world, "beta")
    assert (await client.post(url, json=body, headers=h)).json()["reason"] == "module_not_enabled"
    await enable_example(client, world, "alpha")
    r = await client.post(url, json=body, headers=h)
    assert r.status_code == 201, r.text
    # disabled again: no new component, the existing one stays
    assert (await client.delete("/v1/communes/alpha/modules/example", headers=h)).status_code == 204
    assert (await client.post(url, json=body, headers=h)).json()["reason"] == "module_not_enabled"
    assert (await count_rows(db))["component"] == 1


async def test_create_returns_201_location_and_fills_defaults(
    client: httpx.AsyncClient, world: World
) -> None:
    await enable_example(client, world)
    process = await create_process(client, world)
    phase = await create_phase(client, world, process["id"], "2020-01-01", "2020-01-31")
    url = components_url(process["id"])
    body = {"module_key": "example", "name": NAME, "step_settings": {phase["id"]: {}}}
    r = await client.post(url, json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    component = r.json()
    assert r.headers["location"] == f"{url}/{component['id']}"
    assert component["process_id"] == process["id"] and component["module_key"] == "example"
    assert component["name"] == NAME and component["position"] == 0
    assert component["settings"] == DEFAULTS
    assert component["step_settings"] == {phase["id"]: STEP_DEFAULTS}
    assert component["published_at"] is None and component["active_phase_id"] is None
    assert component["effective_settings"] == {**DEFAULTS, "posting_enabled": False}
    got = await client.get(r.headers["location"], headers=world.headers("admin"))
    assert got.json() == component and got.headers["etag"] == r.headers["etag"]
    second = await create_component(client, world, process["id"], settings={"label": "idées"})
    assert second["position"] == 1 and second["settings"] == {"max_items": 10, "label": "idées"}
    listed = (await client.get(url, headers=world.headers("admin"))).json()["items"]
    assert [c["id"] for c in listed] == [component["id"], second["id"]]
    filtered = await client.get(url + "?module_key=other", headers=world.headers("admin"))
    assert filtered.json()["items"] == []


UNKNOWN = "00000000-0000-4000-8000-000000000000"


async def test_component_settings_are_validated(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_example(client, world)
    process = await create_process(client, world)
    for settings, location, code in (
        ({"max_items": 0}, ["body", "settings", "max_items"], "greater_than_equal"),
        ({"max_items": 1001}, ["body", "settings", "max_items"], "less_than_equal"),
        ({"max_items": "many"}, ["body", "settings", "max_items"], "int_parsing"),
        ({"label": 5}, ["body", "settings", "label"], "string_type"),
        ({"colour": "red"}, ["body", "settings", "colour"], "extra_forbidden"),
    ):
        body = {"module_key": "example", "name": NAME, "settings": settings}
        r = await client.post(components_url(process["id"]), json=body, headers=world.headers("admin"))
        errors = assert_problem(r, 422, type_="/problems/invalid-input")["errors"]
        assert [(e["location"], e["code"]) for e in errors] == [(location, code)], settings
        assert (await count_rows(db))["component"] == 0, settings


async def test_step_settings_are_validated_per_phase_of_this_process(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_example(client, world)
    process = await create_process(client, world, "mine")
    own = (await create_phase(client, world, process["id"], "2026-03-01", "2026-03-31"))["id"]
    other = await create_process(client, world, "other")
    foreign = (await create_phase(client, world, other["id"], "2026-03-01", "2026-03-31"))["id"]
    beta = await create_process(client, world, "b", commune="beta", who="beta_admin")
    beta_phase = await create_phase(
        client, world, beta["id"], "2026-03-01", "2026-03-31", commune="beta", who="beta_admin"
    )
    for key, value, suffix, code in (
        (UNKNOWN, {}, [], "unknown_phase"),
        (foreign, {}, [], "unknown_phase"),
        (beta_phase["id"], {"posting_enabled": True}, [], "unknown_phase"),
        (own, {"max_items": 0}, ["max_items"], "greater_than_equal"),
        (own, {"colour": 1}, ["colour"], "extra_forbidden"),
        (own, {"posting_enabled": "perhaps"}, ["posting_enabled"], "bool_parsing"),
    ):
        body = {"module_key": "example", "name": NAME, "step_settings": {key: value}}
        r = await client.post(components_url(process["id"]), json=body, headers=world.headers("admin"))
        errors = assert_problem(r, 422)["errors"]
        expected = [(["body", "step_settings", key, *suffix], code)]
        assert [(e["location"], e["code"]) for e in errors] == expected, (key, value)
        assert (await count_rows(db))["component"] == 0, (key, value)
    # every settings error is listed at once
    body = {
        "module_key": "example",
        "name": NAME,
        "settings": {"max_items": 0},
        "step_settings": {UNKNOWN: {}},
    }
    r = await client.post(components_url(process["id"]), json=body, headers=world.headers("admin"))
    assert sorted(e["code"] for e in assert_problem(r, 422)["errors"]) == [
        "greater_than_equal",
        "unknown_phase",
    ]


async def test_other_bad_input_is_422(client: httpx.AsyncClient, world: World, db: Database) -> None:
    await enable_example(client, world)
    process = await create_process(client, world)
    for body in (
        {"module_key": "example", "name": {"de": "Ideen"}},
        {"module_key": "example", "name": {}},
        {"module_key": "example"},
        {"name": NAME},
        {"module_key": "example", "name": NAME, "position": -1},
        {"module_key": "example", "name": NAME, "settings": "max_items=3"},
        {"module_key": "example", "name": NAME, "step_settings": {"not-a-uuid": {}}},
        {"module_key": "example", "name": NAME, "published_at": "2026-01-01T00:00:00Z"},
    ):
        r = await client.post(components_url(process["id"]), json=body, headers=world.headers("admin"))
        assert assert_problem(r, 422)["errors"], body
        assert (await count_rows(db))["component"] == 0, body


async def test_effective_settings_follow_the_active_phase(client: httpx.AsyncClient, world: World) -> None:
    await enable_example(client, world)
    today = brussels_today()
    process = await create_process(client, world, publish=True)
    pid = process["id"]
    current = await create_phase(client, world, pid, today - DAY, today + DAY)
    future = await create_phase(client, world, pid, today + 10 * DAY, today + 20 * DAY)
    component = await create_component(
        client,
        world,
        pid,
        publish=True,
        settings={"max_items": 5},
        step_settings={current["id"]: {"posting_enabled": True, "max_items": 3}},
    )
    assert component["active_phase_id"] == current["id"]
    assert component["effective_settings"] == {"max_items": 3, "label": "items", "posting_enabled": True}
    url = f"{components_url(pid)}/{component['id']}"
    h = world.headers("admin")
    # another phase active, without step settings of its own: the step defaults apply
    assert (
        await client.put(process_url(pid) + "/active-phase", json={"phase_id": future["id"]}, headers=h)
    ).status_code == 200
    got = (await client.get(url)).json()  # anonymous: both are published
    assert got["active_phase_id"] == future["id"]
    assert got["effective_settings"] == {"max_items": 5, "label": "items", "posting_enabled": False}
    # a null step value inherits the component setting
    steps = {
        current["id"]: {"posting_enabled": True, "max_items": 3},
        future["id"]: {"posting_enabled": True},
    }
    r = await client.patch(url, json={"step_settings": steps}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["step_settings"][future["id"]] == {"posting_enabled": True, "max_items": None}
    assert r.json()["effective_settings"] == {"max_items": 5, "label": "items", "posting_enabled": True}
    # back to the dates
    assert (
        await client.put(process_url(pid) + "/active-phase", json={"phase_id": None}, headers=h)
    ).status_code == 200
    listed = (await client.get(components_url(pid))).json()["items"]
    assert [(c["active_phase_id"], c["effective_settings"]) for c in listed] == [
        (current["id"], {"max_items": 3, "label": "items", "posting_enabled": True})
    ]


async def test_no_active_phase_means_step_defaults(client: httpx.AsyncClient, world: World) -> None:
    await enable_example(client, world)
    process = await create_process(client, world)
    past = await create_phase(client, world, process["id"], "2020-01-01", "2020-01-31")
    component = await create_component(
        client,
        world,
        process["id"],
        settings={"max_items": 7, "label": "votes"},
        step_settings={past["id"]: {"posting_enabled": True, "max_items": 2}},
    )
    assert component["active_phase_id"] is None
    assert component["effective_settings"] == {"max_items": 7, "label": "votes", "posting_enabled": False}


async def test_patch_component_with_if_match(client: httpx.AsyncClient, world: World) -> None:
    await enable_example(client, world)
    process = await create_process(client, world)
    component = await create_component(client, world, process["id"], settings={"max_items": 5, "label": "x"})
    url = f"{components_url(process['id'])}/{component['id']}"
    h = world.headers("admin")
    etag = (await client.get(url, headers=h)).headers["etag"]
    r = await client.patch(url, json={"name": {"fr": "Projets"}}, headers={**h, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == {"fr": "Projets"} and r.json()["settings"] == {"max_items": 5, "label": "x"}
    stale = await client.patch(url, json={"position": 3}, headers={**h, "If-Match": etag})
    assert_problem(stale, 412)
    assert (await client.get(url, headers=h)).json()["position"] == 0
    # settings are replaced whole: what is not sent falls back to its default
    r = await client.patch(
        url, json={"settings": {"label": "idées"}}, headers={**h, "If-Match": r.headers["etag"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["settings"] == {"max_items": 10, "label": "idées"}
    assert (await client.get(url, headers=h)).json()["settings"] == {"max_items": 10, "label": "idées"}


async def test_rejected_component_patch_changes_nothing(client: httpx.AsyncClient, world: World) -> None:
    await enable_example(client, world)
    process = await create_process(client, world)
    phase = await create_phase(client, world, process["id"], "2026-03-01", "2026-03-31")
    component = await create_component(
        client, world, process["id"], settings={"max_items": 5}, step_settings={phase["id"]: {"max_items": 2}}
    )
    url = f"{components_url(process['id'])}/{component['id']}"
    h = world.headers("admin")
    for change in (
        {"settings": {"max_items": 0}},
        {"settings": {"colour": "red"}},
        {"settings": None},
        {"step_settings": None},
        {"step_settings": {UNKNOWN: {}}},
        {"step_settings": {phase["id"]: {"max_items": 0}}},
        {"name": None},
        {"name": {"de": "Ideen"}},
        {"module_key": "other"},
        {"process_id": UNKNOWN},
        {"position": None},
    ):
        assert assert_problem(await client.patch(url, json=change, headers=h), 422)["errors"], change
        assert (await client.get(url, headers=h)).json() == component, change


async def test_deleting_a_phase_drops_its_step_settings(client: httpx.AsyncClient, world: World) -> None:
    await enable_example(client, world)
    process = await create_process(client, world)
    pid = process["id"]
    a = await create_phase(client, world, pid, "2026-03-01", "2026-03-31")
    b = await create_phase(client, world, pid, "2026-04-01", "2026-04-30")
    steps = {a["id"]: {"posting_enabled": True}, b["id"]: {"max_items": 4}}
    component = await create_component(client, world, pid, step_settings=steps)
    h = world.headers("admin")
    assert (await client.delete(f"{phases_url(pid)}/{a['id']}", headers=h)).status_code == 204
    got = (await client.get(f"{components_url(pid)}/{component['id']}", headers=h)).json()
    assert got["step_settings"] == {b["id"]: {"posting_enabled": False, "max_items": 4}}


async def test_delete_component(client: httpx.AsyncClient, world: World, db: Database) -> None:
    await enable_example(client, world)
    process = await create_process(client, world)
    keep = await create_component(client, world, process["id"])
    gone = await create_component(client, world, process["id"])
    url = f"{components_url(process['id'])}/{gone['id']}"
    h = world.headers("admin")
    r = await client.delete(url, headers=h)
    assert r.status_code == 204 and r.content == b""
    assert_problem(await client.get(url, headers=h), 404)
    assert (await client.delete(url, headers=h)).status_code == 404
    listed = (await client.get(components_url(process["id"]), headers=h)).json()["items"]
    assert [c["id"] for c in listed] == [keep["id"]]
    assert (await count_rows(db))["component"] == 1


async def test_component_writes_need_spaces_manage(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_example(client, world)
    process = await create_process(client, world, publish=True)
    component = await create_component(client, world, process["id"], publish=True)
    url = components_url(process["id"])
    before = await count_rows(db)
    for who, status in (
        ("anonymous", 401),
        ("participant", 403),
        ("staff", 403),
        ("valuator", 403),
        ("beta_admin", 403),
    ):
        h = world.headers(who)
        attempts = [
            await client.post(url, json={"module_key": "example", "name": NAME}, headers=h),
            await client.patch(f"{url}/{component['id']}", json={"position": 5}, headers=h),
            await client.delete(f"{url}/{component['id']}", headers=h),
            await client.post(f"{url}/{component['id']}/unpublish", headers=h),
            await client.post(f"{url}/{component['id']}/publish", headers=h),
        ]
        for r in attempts:
            assert r.status_code == status, (who, r.request.method, r.request.url)
            assert_problem(r, status)
        assert await count_rows(db) == before, who
        assert (await client.get(f"{url}/{component['id']}", headers=h)).json() == component, who
