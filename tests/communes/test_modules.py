"""Enabling modules per commune, with the third-party example module installed as a pip package."""

from __future__ import annotations

import httpx
from civicapi_example import RECEIVED

from tests.fixtures.factories import World


async def test_catalog_lists_installed_modules_with_schemas(client: httpx.AsyncClient) -> None:
    catalog = {m["key"]: m for m in (await client.get("/v1/modules")).json()["items"]}
    assert "example" in catalog
    assert catalog["example"]["settings_schema"]["properties"]["greeting"]["default"] == "hello"
    assert catalog["example"]["permissions"] == ["example.echo", "example.note", "example.moderate"]


async def test_disabled_module_is_404_and_enabled_in_one_commune_only(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.get("/v1/communes/alpha/example/hello")
    assert r.status_code == 404
    assert r.json()["type"] == "/problems/module-not-enabled"
    r = await client.put(
        "/v1/communes/alpha/modules/example",
        json={"settings": {"greeting": "bonjour"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 200, r.text
    assert (await client.get("/v1/communes/alpha/example/hello")).json() == {
        "commune": "alpha",
        "greeting": "bonjour",
    }
    assert (await client.get("/v1/communes/beta/example/hello")).status_code == 404
    assert (await client.get("/v1/communes/nowhere/example/hello")).status_code == 404
    menu = (await client.get("/v1/communes/alpha/modules")).json()["items"]
    assert [m["key"] for m in menu] == ["example"] and menu[0]["path"] == "/v1/communes/alpha/example"
    assert (await client.get("/v1/communes/beta/modules")).json()["items"] == []


async def test_settings_are_validated_by_the_module_schema(client: httpx.AsyncClient, world: World) -> None:
    h = world.headers("admin")
    r = await client.put(
        "/v1/communes/alpha/modules/example", json={"settings": {"greeting": "x" * 50}}, headers=h
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["location"][:3] == ["body", "settings", "greeting"]
    r = await client.put(
        "/v1/communes/alpha/modules/example", json={"settings": {"colour": "red"}}, headers=h
    )
    assert r.status_code == 422
    assert (await client.get("/v1/communes/alpha/modules")).json()["items"] == []
    assert (await client.put("/v1/communes/alpha/modules/nope", json={}, headers=h)).status_code == 404


async def test_disabling_hides_routes_and_keeps_settings(client: httpx.AsyncClient, world: World) -> None:
    h = world.headers("admin")
    await client.put(
        "/v1/communes/alpha/modules/example", json={"settings": {"greeting": "hallo"}}, headers=h
    )
    assert (await client.delete("/v1/communes/alpha/modules/example", headers=h)).status_code == 204
    assert (await client.get("/v1/communes/alpha/example/hello")).status_code == 404
    state = (await client.get("/v1/communes/alpha/modules/example", headers=h)).json()
    assert state["enabled"] is False and state["settings"] == {"greeting": "hallo"}
    assert (await client.delete("/v1/communes/alpha/modules/example", headers=h)).status_code == 404


async def test_enabling_needs_commune_manage(client: httpx.AsyncClient, world: World) -> None:
    for who, status in (("anonymous", 401), ("participant", 403), ("staff", 403), ("beta_admin", 403)):
        r = await client.put("/v1/communes/alpha/modules/example", json={}, headers=world.headers(who))
        assert r.status_code == status, who


async def test_module_permission_and_events_after_commit(client: httpx.AsyncClient, world: World) -> None:
    await client.put("/v1/communes/alpha/modules/example", json={}, headers=world.headers("admin"))
    RECEIVED.clear()
    assert (
        await client.post(
            "/v1/communes/alpha/example/echo", json={"text": "hi"}, headers=world.headers("participant")
        )
    ).status_code == 403
    r = await client.post(
        "/v1/communes/alpha/example/echo", json={"text": "hi"}, headers=world.headers("staff")
    )
    assert r.status_code == 200
    assert [e.payload for e in RECEIVED] == [{"text": "hi"}]
    # a bad request rolls back: no event leaves
    r = await client.post(
        "/v1/communes/alpha/example/echo", json={"text": "x" * 500}, headers=world.headers("staff")
    )
    assert r.status_code == 422
    assert len(RECEIVED) == 1
