"""Who sees what: drafts hidden from the public, shown to `spaces.preview` holders; publishing; tenancy."""

from __future__ import annotations

import httpx

from tests.fixtures.factories import World
from tests.spaces.helpers import (
    assert_problem,
    components_url,
    create_component,
    create_phase,
    create_process,
    enable_example,
    phase_body,
    phases_url,
    process_url,
    processes_url,
)

PUBLIC = ["anonymous", "participant", "outsider", "beta_admin"]
PREVIEW = ["moderator", "valuator", "staff", "admin", "platform"]


async def _visible_ids(client: httpx.AsyncClient, world: World, url: str, who: str) -> list[str]:
    r = await client.get(url, headers=world.headers(who))
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


async def test_drafts_are_404_and_unlisted_for_the_public(client: httpx.AsyncClient, world: World) -> None:
    draft = await create_process(client, world, "draft")
    public = await create_process(client, world, "public", publish=True)
    phase = await create_phase(client, world, draft["id"], "2026-03-01", "2026-03-31")
    for who in PUBLIC:
        h = world.headers(who)
        r = await client.get(process_url(draft["id"]), headers=h)
        assert_problem(r, 404, type_="/problems/not-found")
        assert_problem(await client.get(phases_url(draft["id"]), headers=h), 404)
        assert_problem(await client.get(f"{phases_url(draft['id'])}/{phase['id']}", headers=h), 404)
        assert_problem(await client.get(components_url(draft["id"]), headers=h), 404)
        assert await _visible_ids(client, world, processes_url(), who) == [public["id"]], who
        assert await _visible_ids(client, world, processes_url() + "?published=false", who) == [], who
        assert (await client.get(process_url(public["id"]), headers=h)).status_code == 200, who


async def test_preview_roles_see_drafts(client: httpx.AsyncClient, world: World) -> None:
    draft = await create_process(client, world, "draft")
    public = await create_process(client, world, "public", publish=True)
    phase = await create_phase(client, world, draft["id"], "2026-03-01", "2026-03-31")
    for who in PREVIEW:
        h = world.headers(who)
        got = await client.get(process_url(draft["id"]), headers=h)
        assert got.status_code == 200 and got.json()["published_at"] is None, who
        assert [p["id"] for p in got.json()["phases"]] == [phase["id"]], who
        assert (await client.get(f"{phases_url(draft['id'])}/{phase['id']}", headers=h)).json() == phase, who
        assert await _visible_ids(client, world, processes_url(), who) == [public["id"], draft["id"]], who
        assert await _visible_ids(client, world, processes_url() + "?published=false", who) == [draft["id"]]


async def test_publish_and_unpublish_a_process(client: httpx.AsyncClient, world: World) -> None:
    draft = await create_process(client, world)
    url = process_url(draft["id"])
    h = world.headers("admin")
    r = await client.post(url + "/publish", headers=h)
    assert r.status_code == 200, r.text
    published_at = r.json()["published_at"]
    assert published_at is not None
    assert (await client.get(url)).json()["published_at"] == published_at
    # publishing again keeps the first publication time
    again = await client.post(url + "/publish", headers=h)
    assert again.status_code == 200 and again.json()["published_at"] == published_at
    r = await client.post(url + "/unpublish", headers=h)
    assert r.status_code == 200 and r.json()["published_at"] is None
    assert_problem(await client.get(url), 404)
    assert (await client.get(processes_url())).json()["items"] == []
    assert (await client.post(url + "/unpublish", headers=h)).json()["published_at"] is None


async def test_components_are_visible_only_when_both_are_published(
    client: httpx.AsyncClient, world: World
) -> None:
    await enable_example(client, world)
    process = await create_process(client, world, publish=True)
    pid = process["id"]
    draft = await create_component(client, world, pid)
    shown = await create_component(client, world, pid, publish=True)
    assert shown["published_at"] is not None
    url = components_url(pid)
    for who in PUBLIC:
        assert_problem(await client.get(f"{url}/{draft['id']}", headers=world.headers(who)), 404)
        assert await _visible_ids(client, world, url, who) == [shown["id"]], who
        assert (await client.get(f"{url}/{shown['id']}", headers=world.headers(who))).json() == shown
    for who in PREVIEW:
        assert await _visible_ids(client, world, url, who) == [draft["id"], shown["id"]], who
        assert (await client.get(f"{url}/{draft['id']}", headers=world.headers(who))).status_code == 200
    h = world.headers("admin")
    assert await _visible_ids(client, world, url + "?published=false", "admin") == [draft["id"]]
    # unpublishing the process hides its published components from the public, not from the staff
    assert (await client.post(process_url(pid) + "/unpublish", headers=h)).status_code == 200
    assert_problem(await client.get(f"{url}/{shown['id']}"), 404)
    assert (await client.get(f"{url}/{shown['id']}", headers=world.headers("staff"))).status_code == 200
    assert (await client.post(process_url(pid) + "/publish", headers=h)).status_code == 200
    r = await client.post(f"{url}/{shown['id']}/unpublish", headers=h)
    assert r.status_code == 200 and r.json()["published_at"] is None
    assert await _visible_ids(client, world, url, "anonymous") == []


async def test_a_disabled_module_hides_its_components_from_the_public(
    client: httpx.AsyncClient, world: World
) -> None:
    await enable_example(client, world)
    process = await create_process(client, world, publish=True)
    component = await create_component(client, world, process["id"], publish=True)
    url = components_url(process["id"])
    h = world.headers("admin")
    assert (await client.delete("/v1/communes/alpha/modules/example", headers=h)).status_code == 204
    assert_problem(await client.get(f"{url}/{component['id']}"), 404)
    assert await _visible_ids(client, world, url, "participant") == []
    assert await _visible_ids(client, world, url, "admin") == [component["id"]]
    await enable_example(client, world)
    assert (await client.get(f"{url}/{component['id']}")).status_code == 200


async def test_alpha_rows_do_not_exist_through_beta(client: httpx.AsyncClient, world: World) -> None:
    await enable_example(client, world)
    await enable_example(client, world, "beta")
    process = await create_process(client, world, publish=True)
    pid = process["id"]
    phase = await create_phase(client, world, pid, "2026-03-01", "2026-03-31")
    component = await create_component(client, world, pid, publish=True)
    mine = await create_process(client, world, "mine", commune="beta", who="beta_admin")
    base, beta_phases = process_url(pid, "beta"), phases_url(pid, "beta")
    comp = f"{components_url(pid, 'beta')}/{component['id']}"
    mine_components = components_url(mine["id"], "beta")
    for who in ("beta_admin", "platform"):
        h = world.headers(who)
        attempts = [
            await client.get(base, headers=h),
            await client.patch(base, json={"slug": "stolen"}, headers=h),
            await client.post(base + "/publish", headers=h),
            await client.post(base + "/unpublish", headers=h),
            await client.put(base + "/active-phase", json={"phase_id": phase["id"]}, headers=h),
            await client.get(beta_phases, headers=h),
            await client.post(beta_phases, json=phase_body("2026-05-01", "2026-05-02"), headers=h),
            await client.get(f"{beta_phases}/{phase['id']}", headers=h),
            await client.patch(f"{beta_phases}/{phase['id']}", json={"position": 9}, headers=h),
            await client.delete(f"{beta_phases}/{phase['id']}", headers=h),
            await client.get(components_url(pid, "beta"), headers=h),
            await client.post(
                components_url(pid, "beta"), json={"module_key": "example", "name": {"fr": "X"}}, headers=h
            ),
            await client.get(comp, headers=h),
            await client.patch(comp, json={"position": 9}, headers=h),
            await client.post(comp + "/unpublish", headers=h),
            await client.delete(comp, headers=h),
            await client.delete(base, headers=h),
            # nor can beta's own process reach alpha's phases and components
            await client.get(f"{mine_components}/{component['id']}", headers=h),
            await client.get(f"{phases_url(mine['id'], 'beta')}/{phase['id']}", headers=h),
        ]
        for r in attempts:
            assert r.status_code == 404, (who, r.request.method, r.request.url, r.text)
            assert_problem(r, 404)
        r = await client.put(
            process_url(mine["id"], "beta") + "/active-phase", json={"phase_id": phase["id"]}, headers=h
        )
        assert assert_problem(r, 422)["reason"] == "unknown_phase", who
        body = {"module_key": "example", "name": {"fr": "X"}, "step_settings": {phase["id"]: {}}}
        r = await client.post(mine_components, json=body, headers=h)
        assert [e["code"] for e in assert_problem(r, 422)["errors"]] == ["unknown_phase"], who
        assert await _visible_ids(client, world, processes_url("beta"), who) == [mine["id"]], who
    # alpha is untouched
    admin = world.headers("admin")
    got = (await client.get(process_url(pid), headers=admin)).json()
    assert got["slug"] == process["slug"] and got["published_at"] == process["published_at"]
    assert got["active_phase_pinned"] is False and [p["id"] for p in got["phases"]] == [phase["id"]]
    assert (await client.get(f"{phases_url(pid)}/{phase['id']}", headers=admin)).json() == phase
    assert (await client.get(f"{components_url(pid)}/{component['id']}", headers=admin)).json() == component
    assert await _visible_ids(client, world, components_url(mine["id"], "beta"), "beta_admin") == []


async def test_a_component_of_another_process_is_404_through_this_one(
    client: httpx.AsyncClient, world: World
) -> None:
    await enable_example(client, world)
    one = await create_process(client, world, "one", publish=True)
    two = await create_process(client, world, "two", publish=True)
    component = await create_component(client, world, two["id"], publish=True)
    wrong = f"{components_url(one['id'])}/{component['id']}"
    h = world.headers("admin")
    assert_problem(await client.get(wrong, headers=h), 404)
    assert_problem(await client.patch(wrong, json={"position": 3}, headers=h), 404)
    assert_problem(await client.delete(wrong, headers=h), 404)
    assert await _visible_ids(client, world, components_url(one["id"]), "admin") == []
    assert (await client.get(f"{components_url(two['id'])}/{component['id']}", headers=h)).json() == component
