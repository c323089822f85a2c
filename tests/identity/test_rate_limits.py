"""Login limits across accounts and across addresses; forwarding headers believed only from configured
proxies (in the app's client address and in ``civicapi serve``'s uvicorn configuration)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from civicapi.cli import uvicorn_options
from civicapi.config import Settings
from civicapi.core.ratelimit import TrustedProxies
from tests.fixtures.factories import World

LOGIN = "/v1/auth/token"


@asynccontextmanager
async def client_from(app: Any, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_spraying_many_accounts_from_one_address_is_limited(client: httpx.AsyncClient) -> None:
    statuses = []
    for i in range(40):
        r = await client.post(LOGIN, json={"email": f"person{i}@test.org", "password": "Summer2026!"})
        statuses.append(r.status_code)
    assert statuses[:30] == [401] * 30  # CIVICAPI_RATE_LIMIT_LOGIN_IP: 30/minute
    assert set(statuses[30:]) == {429}
    assert r.json()["type"] == "/problems/rate-limited" and int(r.headers["retry-after"]) >= 1


async def test_one_account_attacked_from_many_addresses_is_limited(app: Any, world: World) -> None:
    statuses = []
    for i in range(32):
        async with client_from(app, f"198.51.100.{i + 1}") as c:
            r = await c.post(LOGIN, json={"email": "admin@alpha.test.org", "password": "guess number one"})
            statuses.append(r.status_code)
    assert statuses[:30] == [401] * 30  # CIVICAPI_RATE_LIMIT_LOGIN_ACCOUNT: 30/hour
    assert statuses[30:] == [429, 429]
    # the limit is the account's: another account from a fresh address still gets its answer
    async with client_from(app, "203.0.113.9") as c:
        other = await c.post(LOGIN, json={"email": "staff@alpha.test.org", "password": "guess number one"})
    assert other.status_code == 401


async def test_a_forged_forwarded_for_does_not_reset_the_limits(
    client: httpx.AsyncClient, world: World
) -> None:
    statuses = []
    for i in range(12):
        r = await client.post(
            LOGIN,
            json={"email": "admin@alpha.test.org", "password": "bad password!"},
            headers={"X-Forwarded-For": f"192.0.2.{i + 1}"},
        )
        statuses.append(r.status_code)
    assert statuses[10:] == [429, 429]
    registrations = []
    for i in range(6):
        body = {"email": f"new{i}@test.org", "display_name": "New", "password": "a long password"}
        r = await client.post("/v1/auth/register", json=body, headers={"X-Forwarded-For": f"192.0.2.{i}"})
        registrations.append(r.status_code)
    assert registrations == [201] * 5 + [429]


def test_client_address_believes_only_trusted_proxies() -> None:
    nobody = TrustedProxies()
    assert nobody.client_address("127.0.0.1", "203.0.113.7") == "127.0.0.1"
    assert nobody.client_address("10.0.0.2", None) == "10.0.0.2"
    assert nobody.client_address(None, "203.0.113.7") == "unknown"
    proxies = TrustedProxies(["10.0.0.0/8", "127.0.0.1"])
    assert proxies.client_address("127.0.0.1", "203.0.113.7") == "203.0.113.7"
    # what the client wrote itself (left) is not believed: the right-most untrusted hop is the client
    assert proxies.client_address("10.1.2.3", "1.2.3.4, 203.0.113.7, 10.0.0.5") == "203.0.113.7"
    assert proxies.client_address("192.0.2.1", "203.0.113.7") == "192.0.2.1"  # peer not a proxy
    assert proxies.client_address("10.1.2.3", "10.0.0.4") == "10.0.0.4"  # only proxies: the first


def test_trusted_proxies_setting() -> None:
    settings = Settings(trusted_proxies="10.0.0.0/8, 192.0.2.1")  # type: ignore[arg-type]
    assert settings.trusted_proxies == ["10.0.0.0/8", "192.0.2.1/32"]
    assert Settings().trusted_proxies == []
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6"):
        Settings(trusted_proxies="proxy.example.org")  # type: ignore[arg-type]


async def _client_seen_by_app(settings: Settings, peer: str, forwarded_for: str) -> tuple[str, int] | None:
    """The client address an app sees behind uvicorn configured as ``civicapi serve`` configures it."""
    seen: dict[str, Any] = {}

    async def probe(scope: Scope, receive: Receive, send: Send) -> None:
        seen["client"] = scope.get("client")

    options = uvicorn_options(settings, host="127.0.0.1", port=8000, workers=1)
    options.pop("factory")
    config = uvicorn.Config(probe, **options)
    config.load()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [(b"x-forwarded-for", forwarded_for.encode())],
        "client": (peer, 40_000),
        "server": ("127.0.0.1", 8000),
    }

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Any) -> None:
        return None

    await config.loaded_app(scope, receive, send)
    client: tuple[str, int] | None = seen["client"]
    return client


async def test_serve_believes_forwarding_headers_only_from_configured_proxies() -> None:
    default = Settings()
    assert uvicorn_options(default, host="h", port=1, workers=1)["proxy_headers"] is False
    # uvicorn's own default would believe a local peer's X-Forwarded-For
    assert (await _client_seen_by_app(default, "127.0.0.1", "203.0.113.7"))[0] == "127.0.0.1"  # type: ignore[index]
    behind = Settings(trusted_proxies="10.0.0.0/8")  # type: ignore[arg-type]
    assert (await _client_seen_by_app(behind, "10.0.0.2", "203.0.113.7"))[0] == "203.0.113.7"  # type: ignore[index]
    assert (await _client_seen_by_app(behind, "127.0.0.1", "203.0.113.7"))[0] == "127.0.0.1"  # type: ignore[index]


async def test_the_app_believes_a_configured_proxy(app: Any, world: World) -> None:
    app.state.trusted_proxies = TrustedProxies(["10.0.0.0/8"])
    async with client_from(app, "10.0.0.2") as c:
        for i in range(11):
            r = await c.post(
                LOGIN,
                json={"email": "admin@alpha.test.org", "password": "bad password!"},
                headers={"X-Forwarded-For": f"192.0.2.{i + 1}"},
            )
            assert r.status_code == 401, i  # eleven clients behind one proxy: ten attempts each
