"""Answers carrying secrets or personal data are marked ``Cache-Control: no-store``: no browser, proxy or
shared cache may keep a token, a key or a person's data. Only answers an endpoint marked cacheable (public
pages, for anonymous callers) say otherwise."""

from __future__ import annotations

import httpx

from tests.fixtures.factories import PASSWORD, World


def _no_store(r: httpx.Response) -> None:
    assert r.headers.get("cache-control") == "no-store", (r.request.method, r.request.url.path, r.headers)


async def test_logins_and_tokens_are_no_store(client: httpx.AsyncClient, world: World) -> None:
    registered = await client.post(
        "/v1/auth/register",
        json={
            "email": "new@test.org",
            "display_name": "New",
            "password": "a-long-password-1",
            "locale": "fr",
        },
    )
    assert registered.status_code == 201
    _no_store(registered)
    login = await client.post("/v1/auth/token", json={"email": "admin@alpha.test.org", "password": PASSWORD})
    assert login.status_code == 200
    _no_store(login)
    refreshed = await client.post("/v1/auth/refresh", json={"refresh_token": login.json()["refresh_token"]})
    assert refreshed.status_code == 200
    _no_store(refreshed)
    refused = await client.post("/v1/auth/token", json={"email": "admin@alpha.test.org", "password": "nope"})
    assert refused.status_code == 401
    _no_store(refused)


async def test_personal_answers_are_no_store(client: httpx.AsyncClient, world: World) -> None:
    me = world.headers("participant")
    for method, path, body in [
        ("GET", "/v1/me", None),
        ("PATCH", "/v1/me", {"display_name": "Renamed"}),
        ("GET", "/v1/me/export", None),
        ("GET", "/v1/communes/alpha/me/verifications", None),
        ("GET", "/v1/communes/alpha/me/authorization?handler=census", None),
        ("GET", "/v1/communes/alpha", None),  # public for anonymous callers, not for a person
    ]:
        r = await client.request(method, path, json=body, headers=me)
        assert r.status_code == 200, (path, r.text)
        _no_store(r)
    _no_store(await client.get("/v1/me"))  # the 401 too


async def test_api_key_answers_are_no_store(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("admin")
    created = await client.post(
        "/v1/communes/alpha/api-keys", json={"name": "portal", "scopes": ["read"]}, headers=admin
    )
    assert created.status_code == 201 and created.json()["key"].startswith("civ_")
    _no_store(created)
    listed = await client.get("/v1/communes/alpha/api-keys", headers=admin)
    assert listed.status_code == 200
    _no_store(listed)
    used = await client.get("/v1/communes/alpha", headers={"X-API-Key": created.json()["key"]})
    assert used.status_code == 200
    _no_store(used)


async def test_public_pages_keep_their_cache_policy(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/v1/communes/alpha")
    assert r.status_code == 200
    assert r.headers["cache-control"].startswith("public, max-age=")
