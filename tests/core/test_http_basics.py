"""Operations endpoints, middleware and the problem-document shape of every kind of bad input."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.main import create_app
from tests.fixtures.factories import World


async def test_health_live_and_ready(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    r = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await client.get("/health/live", headers={"X-Request-ID": "bad id with spaces"})
    assert r.headers["x-request-id"] != "bad id with spaces"
    assert len(r.headers["x-request-id"]) == 32


async def test_security_headers(client: httpx.AsyncClient) -> None:
    r = await client.get("/health/live")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in r.headers["content-security-policy"]


async def test_unknown_route_is_a_problem_document(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert (
        body["status"] == 404
        and body["type"] == "/problems/not-found"
        and body["instance"] == "/v1/nothing-here"
    )


async def test_wrong_method_is_a_problem_document(client: httpx.AsyncClient) -> None:
    r = await client.delete("/health/live")
    assert r.status_code == 405
    assert r.headers["content-type"] == "application/problem+json"


async def test_problem_types_are_listed(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/problems")).json()
    assert "/problems/invalid-input" in listed and "/problems/module-not-enabled" in listed
    assert (await client.get("/problems/not-found")).status_code == 200
    assert (await client.get("/problems/nope")).status_code == 404


async def test_malformed_json_is_422_and_writes_nothing(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/v1/communes",
        content=b'{"slug": "gamma", "name": ',
        headers={**world.headers("platform"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    body = r.json()
    assert body["type"] == "/problems/invalid-input"
    assert body["errors"][0]["code"] == "json_invalid"
    assert (await client.get("/v1/communes/gamma")).status_code == 404


async def test_unknown_fields_and_wrong_types_are_422_with_locations(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await client.post(
        "/v1/communes",
        json={"slug": "gamma", "name": 5, "locales": ["fr"], "default_locale": "fr", "mayor": "x"},
        headers=world.headers("platform"),
    )
    assert r.status_code == 422
    locations = {tuple(e["location"]) for e in r.json()["errors"]}
    assert ("body", "name") in locations
    assert ("body", "mayor") in locations
    assert (await client.get("/v1/communes/gamma")).status_code == 404


async def test_oversize_body_is_413_and_writes_nothing(client: httpx.AsyncClient, world: World) -> None:
    big = {"slug": "gamma", "name": "x" * 70_000, "locales": ["fr"], "default_locale": "fr"}
    r = await client.post("/v1/communes", json=big, headers=world.headers("platform"))
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/communes/gamma")).status_code == 404


async def test_oversize_streamed_body_without_length_is_413(client: httpx.AsyncClient, world: World) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 8192

    r = await client.post(
        "/v1/communes",
        content=chunks(),
        headers={**world.headers("platform"), "Content-Type": "application/json"},
    )
    assert r.status_code == 413


async def test_unknown_locale_is_422(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/v1/communes",
        json={"slug": "gamma", "name": "G", "locales": ["fr", "xx-YYY"], "default_locale": "fr"},
        headers=world.headers("platform"),
    )
    assert r.status_code == 422


async def test_docs_ui_is_served_without_cdn(client: httpx.AsyncClient) -> None:
    r = await client.get("/docs")
    assert r.status_code == 200
    assert "cdn" not in r.text.lower()
    assert "/static/docs/swagger-ui-bundle.js" in r.text
    assert (await client.get("/static/docs/swagger-ui-bundle.js")).status_code == 200
    assert (await client.get("/openapi.json")).status_code == 200


async def test_the_root_leads_to_the_docs_when_they_are_served(settings: Settings, db: Database) -> None:
    for enabled, status in ((True, 307), (False, 404)):
        app = create_app(settings.model_copy(update={"docs_enabled": enabled}), database=db)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.get("/")
            assert r.status_code == status
            assert r.headers.get("location") == ("/docs" if enabled else None)
            assert (await c.get("/docs")).status_code == (200 if enabled else 404)


async def test_unexpected_errors_are_a_bare_500_problem_without_trace(
    app: Any, client: httpx.AsyncClient
) -> None:
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    app.add_api_route("/boom", boom)
    r = await client.get("/boom", headers={"X-Request-ID": "req-500"})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == "/problems/internal-error" and body["request_id"] == "req-500"
    assert "hunter2" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text


async def test_cors_is_off_by_default_and_on_when_configured(settings: Any, db: Any) -> None:
    from civicapi.main import create_app

    settings.cors_origins = ["https://portal.example.org"]
    app = create_app(settings, database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.options(
            "/v1/communes",
            headers={"Origin": "https://portal.example.org", "Access-Control-Request-Method": "POST"},
        )
        assert r.headers["access-control-allow-origin"] == "https://portal.example.org"
        r = await c.get("/health/live", headers={"Origin": "https://evil.example.org"})
        assert "access-control-allow-origin" not in r.headers
