"""The audit trail: every command of communes and spaces leaves an entry; admins list and filter them; public
entries give resources a public history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.fixtures.factories import World

ALPHA = "/v1/communes/alpha"
PROCESS = {
    "slug": "bp-2026",
    "title": {"fr": "Budget participatif"},
    "start_date": "2026-01-15",
    "end_date": "2026-11-30",
}
PHASE = {"title": {"fr": "Vote"}, "start_date": "2026-09-01", "end_date": "2026-09-30"}


async def _entries(
    client: httpx.AsyncClient, world: World, who: str = "admin", commune: str = "alpha", **params: Any
) -> list[dict[str, Any]]:
    r = await client.get(
        f"/v1/communes/{commune}/audit", params={"limit": 100, **params}, headers=world.headers(who)
    )
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    assert r.json()["next_cursor"] is None
    return items


async def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    r = await response
    assert r.status_code == status, r.text
    return r.json() if r.content else {}


async def _new_process(client: httpx.AsyncClient, world: World, **fields: Any) -> str:
    body = await _ok(
        client.post(f"{ALPHA}/processes", json={**PROCESS, **fields}, headers=world.headers("admin")), 201
    )
    return str(body["id"])


async def test_commune_module_and_member_commands_are_recorded(
    client: httpx.AsyncClient, world: World
) -> None:
    h = world.headers("admin")
    admin, outsider = world.users["admin"], world.users["outsider"]
    await _ok(client.patch(ALPHA, json={"name": "Alpha-sur-Meuse"}, headers=h))
    await _ok(client.put(f"{ALPHA}/modules/example", json={"settings": {"greeting": "bonjour"}}, headers=h))
    member = await _ok(
        client.post(f"{ALPHA}/members", json={"email": "nobody@test.org", "role": "staff"}, headers=h), 201
    )
    await _ok(client.delete(f"{ALPHA}/members/{member['id']}", headers=h), 204)
    await _ok(client.delete(f"{ALPHA}/modules/example", headers=h), 204)

    items = await _entries(client, world, actor_id=str(admin.id))
    assert [e["action"] for e in items] == [
        "communes.module.disable",
        "communes.membership.delete",
        "communes.membership.create",
        "communes.module.enable",
        "communes.commune.update",
    ]
    for e in items:
        assert e["actor_type"] == "user" and e["actor_id"] == str(admin.id)
        assert e["visibility"] == "admin" and e["resource_module"] == "communes"
    disable, left, joined, enable, update = items
    assert update["resource_type"] == "commune" and update["resource_id"] == str(world.alpha.id)
    assert update["changes"] == {"name": ["Alpha", "Alpha-sur-Meuse"]}
    assert enable["resource_type"] == "module"
    assert enable["changes"] == {
        "module_key": [None, "example"],
        "enabled": [None, True],
        "settings": [None, {"greeting": "bonjour"}],
    }
    assert disable["resource_id"] == enable["resource_id"]
    assert disable["changes"] == {"enabled": [True, False]}
    assert joined["resource_type"] == left["resource_type"] == "membership"
    assert joined["resource_id"] == left["resource_id"] == member["id"]
    assert joined["changes"] == {"user_id": [None, str(outsider.id)], "role": [None, "staff"]}
    assert left["changes"] == {"user_id": [str(outsider.id), None], "role": ["staff", None]}

    # re-enabling shows the settings diff; a repeated identical command changes nothing and records nothing
    await _ok(client.put(f"{ALPHA}/modules/example", json={"settings": {}}, headers=h))
    await _ok(client.put(f"{ALPHA}/modules/example", json={"settings": {}}, headers=h))
    await _ok(client.patch(ALPHA, json={"name": "Alpha-sur-Meuse"}, headers=h))
    again = await _entries(client, world, actor_id=str(admin.id))
    assert len(again) == 6
    assert again[0]["action"] == "communes.module.enable"
    assert again[0]["changes"] == {
        "enabled": [False, True],
        "settings": [{"greeting": "bonjour"}, {"greeting": "hello"}],
    }


async def test_commands_without_a_caller_are_recorded_as_system(
    client: httpx.AsyncClient, world: World
) -> None:
    """The world is built through the services directly: no request, so the actor is the system."""
    items = await _entries(client, world, actor_type="system")
    assert (
        sorted(e["action"] for e in items) == ["communes.commune.create"] + ["communes.membership.create"] * 5
    )
    assert all(e["actor_id"] is None for e in items)
    created = next(e for e in items if e["action"] == "communes.commune.create")
    assert created["resource_id"] == str(world.alpha.id)
    assert created["changes"]["name"] == [None, "Alpha"]
    assert created["changes"]["locales"] == [None, ["fr", "nl", "en"]]


async def test_spaces_commands_are_recorded_with_their_visibility(
    client: httpx.AsyncClient, world: World
) -> None:
    h = world.headers("admin")
    await _ok(client.put(f"{ALPHA}/modules/example", json={}, headers=h))
    pid = await _new_process(client, world)
    url = f"{ALPHA}/processes/{pid}"
    phase = await _ok(client.post(f"{url}/phases", json=PHASE, headers=h), 201)
    component = await _ok(
        client.post(
            f"{url}/components", json={"module_key": "example", "name": {"fr": "Exemple"}}, headers=h
        ),
        201,
    )
    phase_url, component_url = f"{url}/phases/{phase['id']}", f"{url}/components/{component['id']}"
    await _ok(client.post(f"{url}/publish", headers=h))
    await _ok(client.patch(url, json={"title": {"fr": "Budget participatif 2026"}}, headers=h))
    await _ok(client.patch(url, json={"description": {"fr": "Proposez des projets."}}, headers=h))
    await _ok(client.put(f"{url}/active-phase", json={"phase_id": phase["id"]}, headers=h))
    await _ok(client.patch(phase_url, json={"title": {"fr": "Vote final"}}, headers=h))
    await _ok(client.patch(component_url, json={"settings": {"max_items": 5}}, headers=h))
    await _ok(client.post(f"{component_url}/publish", headers=h))
    await _ok(client.post(f"{component_url}/unpublish", headers=h))
    await _ok(client.delete(component_url, headers=h), 204)
    await _ok(client.delete(phase_url, headers=h), 204)
    await _ok(client.post(f"{url}/unpublish", headers=h))
    await _ok(client.delete(url, headers=h), 204)

    items = await _entries(client, world, resource_module="spaces", sort="created_at")
    p, ph, c = ("process", pid), ("phase", phase["id"]), ("component", component["id"])
    assert [(e["action"], (e["resource_type"], e["resource_id"]), e["visibility"]) for e in items] == [
        ("spaces.process.create", p, "admin"),
        ("spaces.phase.create", ph, "admin"),  # the process is still a draft: nobody sees it
        ("spaces.component.create", c, "admin"),
        ("spaces.process.publish", p, "public"),
        ("spaces.process.update", p, "public"),  # the title of a published process
        ("spaces.process.update", p, "admin"),  # its description only
        ("spaces.process.set_active_phase", p, "public"),
        ("spaces.phase.update", ph, "public"),
        ("spaces.component.update", c, "admin"),
        ("spaces.component.publish", c, "public"),
        ("spaces.component.unpublish", c, "public"),
        ("spaces.component.delete", c, "admin"),
        ("spaces.phase.delete", ph, "public"),
        ("spaces.process.unpublish", p, "public"),
        ("spaces.process.delete", p, "admin"),
    ]
    assert all(e["actor_id"] == str(world.users["admin"].id) for e in items)
    changes = [e["changes"] for e in items]
    assert changes[0]["slug"] == [None, "bp-2026"]
    assert changes[0]["title"] == [None, {"fr": "Budget participatif"}]
    assert changes[0]["start_date"] == [None, "2026-01-15"]
    assert changes[1]["title"] == [None, {"fr": "Vote"}] and changes[1]["process_id"] == [None, pid]
    assert changes[2]["module_key"] == [None, "example"] and changes[2]["name"] == [None, {"fr": "Exemple"}]
    assert set(changes[3]) == {"published_at"} and changes[3]["published_at"][0] is None
    assert changes[4] == {"title": [{"fr": "Budget participatif"}, {"fr": "Budget participatif 2026"}]}
    assert changes[5] == {"description": [{}, {"fr": "Proposez des projets."}]}
    assert changes[6] == {"active_phase_id": [None, phase["id"]]}
    assert changes[7] == {"title": [{"fr": "Vote"}, {"fr": "Vote final"}]}
    assert set(changes[8]) == {"settings"} and changes[8]["settings"][1]["max_items"] == 5
    assert changes[12]["title"] == [{"fr": "Vote final"}, None]
    assert changes[14] == {"slug": ["bp-2026", None], "title": [{"fr": "Budget participatif 2026"}, None]}


async def test_filters(client: httpx.AsyncClient, world: World) -> None:
    h = world.headers("admin")
    mark = datetime.now(UTC)
    await _ok(client.patch(ALPHA, json={"name": "Alpha-sur-Meuse"}, headers=h))
    pid = await _new_process(client, world)
    await _ok(client.post(f"{ALPHA}/processes/{pid}/publish", headers=h))

    one = await _entries(client, world, action="communes.commune.update")
    assert [e["changes"] for e in one] == [{"name": ["Alpha", "Alpha-sur-Meuse"]}]
    of_process = await _entries(client, world, resource_type="process", resource_id=pid)
    assert [e["action"] for e in of_process] == ["spaces.process.publish", "spaces.process.create"]
    public = await _entries(client, world, visibility="public")
    assert [e["action"] for e in public] == ["spaces.process.publish"]
    members = await _entries(client, world, resource_module="communes", action="communes.membership.create")
    assert len(members) == 5
    by_user = await _entries(client, world, actor_type="user", actor_id=str(world.users["admin"].id))
    assert len(by_user) == 3
    assert await _entries(client, world, actor_id=str(world.users["staff"].id)) == []
    since = await _entries(client, world, since=mark.isoformat())
    assert {e["action"] for e in since} == {
        "communes.commune.update",
        "spaces.process.create",
        "spaces.process.publish",
    }
    until = await _entries(client, world, until=mark.isoformat())
    assert {e["actor_type"] for e in until} == {"system"} and len(until) == 6
    assert await _entries(client, world, since=mark.isoformat(), until=mark.isoformat()) == []

    for bad in (
        {"since": "2026-01-01T00:00:00"},  # no offset
        {"until": "yesterday"},
        {"visibility": "secret"},
        {"actor_type": "robot"},
        {"resource_id": "not-a-uuid"},
        {"sort": "action"},
        {"cursor": "garbage"},
        {"limit": 1000},
    ):
        r = await client.get(f"{ALPHA}/audit", params=bad, headers=h)
        assert r.status_code == 422, bad
        assert r.headers["content-type"] == "application/problem+json"


async def test_pagination_with_link_header(client: httpx.AsyncClient, world: World) -> None:
    h = world.headers("admin")
    for i in range(3):
        await _new_process(client, world, slug=f"p{i}")
    everything = await _entries(client, world)
    assert len(everything) == 9
    times = [e["created_at"] for e in everything]
    assert times == sorted(times, reverse=True)
    for sort, expected in (("-created_at", everything), ("created_at", everything[::-1])):
        seen: list[dict[str, Any]] = []
        url: str = f"{ALPHA}/audit?limit=2&sort={sort}"
        while url:
            r = await client.get(url, headers=h)
            assert r.status_code == 200, r.text
            page = r.json()
            assert len(page["items"]) <= 2
            seen += page["items"]
            url = r.headers.get("link", "").split(";")[0].strip("<>").replace("http://testserver", "")
            assert bool(url) == bool(page["next_cursor"])
        assert [e["id"] for e in seen] == [e["id"] for e in expected]


async def test_rejected_writes_leave_no_entry(client: httpx.AsyncClient, world: World) -> None:
    before = await _entries(client, world)
    etag = (await client.get(ALPHA)).headers["etag"]
    admin, staff = world.headers("admin"), world.headers("staff")
    rejected = [
        (client.patch(ALPHA, json={"locales": ["nl"]}, headers=admin), 422),
        (client.patch(ALPHA, json={"name": None}, headers=admin), 422),
        (client.patch(ALPHA, json={"name": "X"}, headers=staff), 403),
        (client.put(f"{ALPHA}/modules/example", json={"settings": {"nope": 1}}, headers=admin), 422),
        (client.put(f"{ALPHA}/modules/example", json={}, headers=staff), 403),
        (client.post(f"{ALPHA}/members", json={"email": "nobody@test.org", "role": "x"}, headers=admin), 422),
        (
            client.post(
                f"{ALPHA}/members", json={"email": "nobody@test.org", "role": "staff"}, headers=staff
            ),
            403,
        ),
        (
            client.post(
                f"{ALPHA}/members",
                json={"user_id": str(world.users["admin"].id), "role": "admin"},
                headers=admin,
            ),
            409,
        ),
        (
            client.post(f"{ALPHA}/processes", json={**PROCESS, "title": {"de": "Haushalt"}}, headers=admin),
            422,
        ),
        (client.post(f"{ALPHA}/processes", json=PROCESS, headers=world.headers("participant")), 403),
    ]
    for call, status in rejected:
        r = await call
        assert r.status_code == status, r.text
    pid = await _new_process(client, world)
    with_process = await _entries(client, world)
    r = await client.patch(
        f"{ALPHA}/processes/{pid}", json={"start_date": "2027-01-01"}, headers=admin
    )  # after end_date
    assert r.status_code == 422
    r = await client.patch(ALPHA, json={"name": "Late"}, headers={**admin, "If-Match": etag + "x"})
    assert r.status_code == 412
    assert await _entries(client, world) == with_process
    assert with_process[1:] == before and with_process[0]["action"] == "spaces.process.create"


async def test_each_commune_sees_only_its_own_trail(client: httpx.AsyncClient, world: World) -> None:
    await _ok(client.patch(ALPHA, json={"name": "Alpha-sur-Meuse"}, headers=world.headers("admin")))
    await _new_process(client, world)
    r = await client.get(f"{ALPHA}/audit", headers=world.headers("beta_admin"))
    assert r.status_code == 403
    assert r.json()["permission"] == "commune.audit.read"
    beta = await _entries(client, world, who="beta_admin", commune="beta")
    assert sorted(e["action"] for e in beta) == ["communes.commune.create", "communes.membership.create"]
    assert str(world.alpha.id) not in {e["resource_id"] for e in beta}
    assert str(world.users["admin"].id) not in {e["actor_id"] for e in beta}
    # filtering beta's trail by alpha's resources finds nothing either
    assert (
        await _entries(client, world, who="beta_admin", commune="beta", resource_id=str(world.alpha.id)) == []
    )
    # the platform administrator reads every commune's trail
    assert len(await _entries(client, world, who="platform")) == 8


async def test_only_admins_read_the_trail(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get(f"{ALPHA}/audit")).status_code == 401
    for who in ("participant", "staff", "moderator", "valuator", "outsider"):
        r = await client.get(f"{ALPHA}/audit", headers=world.headers(who))
        assert r.status_code == 403, who
        assert r.headers["content-type"] == "application/problem+json"
    assert (
        await client.get("/v1/communes/nowhere/audit", headers=world.headers("platform"))
    ).status_code == 404


async def test_public_history_of_a_published_process(client: httpx.AsyncClient, world: World) -> None:
    h = world.headers("admin")
    pid = await _new_process(client, world)
    url = f"{ALPHA}/processes/{pid}"
    history = f"{ALPHA}/history/spaces/process/{pid}"
    await _ok(client.patch(url, json={"title": {"fr": "Brouillon"}}, headers=h))  # a draft: admin only
    r = await client.get(history)
    assert r.status_code == 404  # a draft has no public history: its existence is not disclosed
    assert r.headers["content-type"] == "application/problem+json"

    await _ok(client.post(f"{url}/publish", headers=h))
    await _ok(client.patch(url, json={"title": {"fr": "Budget participatif 2026"}}, headers=h))
    await _ok(client.patch(url, json={"slug": "bp-2026-bis"}, headers=h))  # not a public field: admin only
    phase = await _ok(client.post(f"{url}/phases", json=PHASE, headers=h), 201)

    r = await client.get(history)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [e["action"] for e in items] == ["spaces.process.publish", "spaces.process.update"]
    assert items[1]["changes"] == {"title": [{"fr": "Brouillon"}, {"fr": "Budget participatif 2026"}]}
    for e in items:
        assert set(e) == {"action", "actor_type", "changes", "created_at"}
        assert e["actor_type"] == "user"
    assert str(world.users["admin"].id) not in r.text
    assert items[0]["created_at"] <= items[1]["created_at"]

    phase_history = (await client.get(f"{ALPHA}/history/spaces/phase/{phase['id']}")).json()["items"]
    assert [e["action"] for e in phase_history] == ["spaces.phase.create"]

    first = await client.get(history, params={"limit": 1})
    assert [e["action"] for e in first.json()["items"]] == ["spaces.process.publish"]
    nxt = first.headers["link"].split(";")[0].strip("<>").replace("http://testserver", "")
    second = await client.get(nxt)
    assert [e["action"] for e in second.json()["items"]] == ["spaces.process.update"]
    assert second.json()["next_cursor"] is None

    # another commune has no history of alpha's resources; malformed paths are 422
    assert (await client.get(f"/v1/communes/beta/history/spaces/process/{pid}")).status_code == 404
    assert (await client.get(f"{ALPHA}/history/Spaces!/process/{pid}")).status_code == 422
    assert (await client.get(f"{ALPHA}/history/spaces/process/not-a-uuid")).status_code == 422
