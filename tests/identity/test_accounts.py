"""Accounts: registration with email confirmation, login, refresh rotation, logout, password change/reset."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.fixtures.factories import PASSWORD, World

NEW = {"email": "Rita@Example.org", "display_name": "Rita", "password": "a long passphrase", "locale": "nl"}


def _last_code(app: Any) -> str:
    match = re.search(r"code: (\S+)", app.state.mailer.outbox[-1].body)
    assert match
    return match.group(1)


async def _login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    r = await client.post("/v1/auth/token", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_register_confirm_login_me(client: httpx.AsyncClient, app: Any) -> None:
    r = await client.post("/v1/auth/register", json=NEW)
    assert r.status_code == 201, r.text
    assert r.json()["email"] == "rita@example.org" and r.json()["email_confirmed"] is False
    assert app.state.mailer.outbox[-1].to == "rita@example.org"
    code = _last_code(app)
    assert (await client.post("/v1/auth/confirm-email", json={"token": "wrong"})).status_code == 422
    assert (await client.post("/v1/auth/confirm-email", json={"token": code})).status_code == 204
    assert (
        await client.post("/v1/auth/confirm-email", json={"token": code})
    ).status_code == 422  # single use
    pair = await _login(client, "rita@example.org", NEW["password"])
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.json()["email_confirmed"] is True and me.json()["locale"] == "nl"
    dup = await client.post("/v1/auth/register", json=NEW)
    assert dup.status_code == 409


async def test_registration_validation_writes_nothing(client: httpx.AsyncClient, app: Any) -> None:
    for bad in ({**NEW, "password": "short"}, {**NEW, "email": "not-an-email"}, {**NEW, "role": "admin"}):
        assert (await client.post("/v1/auth/register", json=bad)).status_code == 422
    assert app.state.mailer.outbox == []
    r = await client.post("/v1/auth/token", json={"email": NEW["email"], "password": NEW["password"]})
    assert r.status_code == 401


async def test_wrong_password_and_unknown_account_answer_alike(
    client: httpx.AsyncClient, world: World
) -> None:
    a = await client.post(
        "/v1/auth/token", json={"email": "admin@alpha.test.org", "password": "nope-nope-nope"}
    )
    b = await client.post(
        "/v1/auth/token", json={"email": "ghost@alpha.test.org", "password": "nope-nope-nope"}
    )
    assert a.status_code == b.status_code == 401
    assert a.json()["detail"] == b.json()["detail"]


async def test_patch_me_applies_only_sent_fields(client: httpx.AsyncClient, world: World) -> None:
    h = world.headers("participant")
    r = await client.patch("/v1/me", json={"display_name": "Pat"}, headers=h)
    assert r.status_code == 200 and r.json()["display_name"] == "Pat" and r.json()["locale"] == "fr"
    assert (await client.patch("/v1/me", json={"email": "x@y.org"}, headers=h)).status_code == 422
    assert (await client.patch("/v1/me", json={"display_name": None}, headers=h)).status_code == 422
    assert (await client.get("/v1/me", headers=h)).json()["display_name"] == "Pat"


async def test_refresh_rotates_and_reuse_revokes_the_family(client: httpx.AsyncClient, world: World) -> None:
    first = await _login(client, "participant@alpha.test.org")
    r = await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    # the first token is replayed: reuse detected, the whole family dies, including the second token
    replay = await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and replay.json()["reason"] == "refresh_token_reused"
    assert (
        await client.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    ).status_code == 401
    assert (await client.post("/v1/auth/refresh", json={"refresh_token": "rt_garbage"})).status_code == 401


async def test_concurrent_refresh_with_one_token_yields_one_winner(
    client: httpx.AsyncClient, world: World
) -> None:
    import asyncio

    pair = await _login(client, "participant@alpha.test.org")
    results = await asyncio.gather(
        *[client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}) for _ in range(10)]
    )
    assert sorted(r.status_code for r in results).count(200) <= 1
    # whatever happened, the family is now revoked or rotated once: the original token is dead
    assert (
        await client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    ).status_code == 401


async def test_logout_revokes_access_and_refresh(client: httpx.AsyncClient, world: World) -> None:
    pair = await _login(client, "participant@alpha.test.org")
    h = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await client.get("/v1/me", headers=h)).status_code == 200
    assert (
        await client.post("/v1/auth/logout", json={"refresh_token": pair["refresh_token"]}, headers=h)
    ).status_code == 204
    assert (await client.get("/v1/me", headers=h)).status_code == 401
    assert (
        await client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    ).status_code == 401


async def test_password_change_ends_sessions(client: httpx.AsyncClient, world: World) -> None:
    pair = await _login(client, "staff@alpha.test.org")
    h = {"Authorization": f"Bearer {pair['access_token']}"}
    wrong = await client.post(
        "/v1/me/password", json={"current_password": "nope", "new_password": "x" * 12}, headers=h
    )
    assert wrong.status_code == 422 and wrong.json()["reason"] == "wrong_password"
    r = await client.post(
        "/v1/me/password", json={"current_password": PASSWORD, "new_password": "new password 123"}, headers=h
    )
    assert r.status_code == 204
    assert (
        await client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    ).status_code == 401
    assert (
        await client.post("/v1/auth/token", json={"email": "staff@alpha.test.org", "password": PASSWORD})
    ).status_code == 401
    await _login(client, "staff@alpha.test.org", "new password 123")


async def test_password_reset_is_single_use_and_does_not_enumerate(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    ghost = await client.post("/v1/auth/password/forgot", json={"email": "ghost@test.org"})
    real = await client.post("/v1/auth/password/forgot", json={"email": "staff@alpha.test.org"})
    assert ghost.status_code == real.status_code == 202 and ghost.json() == real.json()
    assert [m.to for m in app.state.mailer.outbox] == ["staff@alpha.test.org"]
    code = _last_code(app)
    r = await client.post(
        "/v1/auth/password/reset", json={"token": code, "new_password": "brand new password"}
    )
    assert r.status_code == 204
    again = await client.post(
        "/v1/auth/password/reset", json={"token": code, "new_password": "another password"}
    )
    assert again.status_code == 422
    await _login(client, "staff@alpha.test.org", "brand new password")


async def test_login_is_rate_limited_with_retry_after(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    statuses = []
    for _ in range(12):
        r = await client.post(
            "/v1/auth/token", json={"email": "admin@alpha.test.org", "password": "bad password!"}
        )
        statuses.append(r.status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    assert int(r.headers["retry-after"]) >= 1
    assert r.json()["type"] == "/problems/rate-limited"
