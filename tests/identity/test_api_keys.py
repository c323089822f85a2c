"""Integrator API keys: shown once, stored hashed, scoped, bound to one commune, revocable."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import text

from civicapi.core.db.session import Database
from civicapi.identity.api_keys import key_uses
from tests.fixtures.factories import World


async def _create(
    client: httpx.AsyncClient, world: World, scopes: list[str], commune: str = "alpha"
) -> dict[str, Any]:
    who = "admin" if commune == "alpha" else "beta_admin"
    r = await client.post(
        f"/v1/communes/{commune}/api-keys",
        json={"name": "Portal", "scopes": scopes},
        headers=world.headers(who),
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_key_is_shown_once_and_stored_hashed(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    created = await _create(client, world, ["read"])
    assert created["key"].startswith(created["prefix"] + "_")
    listed = (await client.get("/v1/communes/alpha/api-keys", headers=world.headers("admin"))).json()["items"]
    assert [k["id"] for k in listed] == [created["id"]] and "key" not in listed[0]
    async with db.unit_of_work() as session:
        rows = (await session.execute(text("SELECT key_hash, prefix FROM identity_api_key"))).all()
    assert created["key"] not in {r[0] for r in rows} and len(rows[0][0]) == 64


async def test_scopes_are_validated_and_only_admins_create_keys(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        "/v1/communes/alpha/api-keys",
        json={"name": "x", "scopes": ["write:nothing"]},
        headers=world.headers("admin"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_scope"
    for who, status in (("anonymous", 401), ("staff", 403), ("beta_admin", 403)):
        r = await client.post(
            "/v1/communes/alpha/api-keys", json={"name": "x", "scopes": ["read"]}, headers=world.headers(who)
        )
        assert r.status_code == status, who
    assert (await client.get("/v1/communes/alpha/api-keys", headers=world.headers("admin"))).json()[
        "items"
    ] == []


async def test_key_acts_within_its_scopes_in_its_commune_only(
    client: httpx.AsyncClient, world: World
) -> None:
    h = world.headers("platform")
    for slug in ("alpha", "beta"):
        await client.put(f"/v1/communes/{slug}/modules/example", json={}, headers=h)
    writer = await _create(client, world, ["write:example"])
    reader = await _create(client, world, ["read"])
    beta_writer = await _create(client, world, ["write:example"], commune="beta")
    echo = {"text": "hi"}
    r = await client.post("/v1/communes/alpha/example/echo", json=echo, headers={"X-API-Key": writer["key"]})
    assert r.status_code == 200, r.text
    r = await client.post("/v1/communes/alpha/example/echo", json=echo, headers={"X-API-Key": reader["key"]})
    assert r.status_code == 403
    # a key of beta used on alpha: refused, never data
    r = await client.post(
        "/v1/communes/alpha/example/echo", json=echo, headers={"X-API-Key": beta_writer["key"]}
    )
    assert r.status_code == 401
    r = await client.get("/v1/communes/alpha/processes", headers={"X-API-Key": beta_writer["key"]})
    assert r.status_code == 401
    # a key never manages the commune itself
    r = await client.patch("/v1/communes/alpha", json={"name": "X"}, headers={"X-API-Key": writer["key"]})
    assert r.status_code == 403
    r = await client.post(
        "/v1/communes/alpha/api-keys",
        json={"name": "x", "scopes": ["read"]},
        headers={"X-API-Key": writer["key"]},
    )
    assert r.status_code == 403


async def test_read_scope_previews_unpublished_processes(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/v1/communes/alpha/processes",
        json={"slug": "draft", "title": {"fr": "Brouillon"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201
    reader = await _create(client, world, ["read"])
    listed = (await client.get("/v1/communes/alpha/processes", headers={"X-API-Key": reader["key"]})).json()
    assert [p["slug"] for p in listed["items"]] == ["draft"]
    assert (await client.get("/v1/communes/alpha/processes")).json()["items"] == []


async def test_revoked_key_stops_at_once_and_last_use_is_recorded(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    reader = await _create(client, world, ["read"])
    h = {"X-API-Key": reader["key"]}
    assert (await client.get("/v1/communes/alpha/processes", headers=h)).status_code == 200
    await key_uses(db).settled()  # written after the read, by a unit of work of its own
    listed = (await client.get("/v1/communes/alpha/api-keys", headers=world.headers("admin"))).json()["items"]
    assert listed[0]["last_used_at"] is not None
    assert (
        await client.delete(f"/v1/communes/alpha/api-keys/{reader['id']}", headers=world.headers("admin"))
    ).status_code == 204
    assert (await client.get("/v1/communes/alpha/processes", headers=h)).status_code == 401
    assert (
        await client.delete(f"/v1/communes/beta/api-keys/{reader['id']}", headers=world.headers("beta_admin"))
    ).status_code == 404
