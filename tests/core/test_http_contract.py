"""What the HTTP layer answers before any route's own logic: bodies that are not JSON, the methods a path
serves (``Allow`` on 405) and ``HEAD`` wherever ``GET`` is served. Each is what the OpenAPI document says."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.factories import World

COMMUNES = "/v1/communes"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"slug": "\xff\xfe"}', "not UTF-8"),
        (b"[" * 20_000 + b"]" * 20_000, "nests too deeply"),
    ],
)
async def test_a_body_json_cannot_read_is_a_declared_422(
    client: httpx.AsyncClient, world: World, body: bytes, why: str
) -> None:
    r = await client.post(
        COMMUNES,
        content=body,
        headers={**world.headers("platform"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"] == "/problems/invalid-input"
    assert why in problem["detail"]
    assert problem["errors"][0]["location"] == ["body"]


async def test_allow_lists_every_method_the_path_serves(client: httpx.AsyncClient, app: object) -> None:
    # /v1/communes/{commune} is served by GET and PATCH (and DELETE), declared by different routes.
    path_item = app.openapi()["paths"]["/v1/communes/{commune}"]  # type: ignore[attr-defined]
    declared = {m.upper() for m in path_item}
    assert len(declared) >= 2
    r = await client.put("/v1/communes/alpha", json={})
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == declared | {"HEAD"}


async def test_head_is_served_wherever_get_is(client: httpx.AsyncClient, world: World) -> None:
    get = await client.get("/v1/communes/alpha")
    head = await client.head("/v1/communes/alpha")
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]
    missing = await client.head("/v1/communes/nowhere")
    assert missing.status_code == 404
    assert missing.content == b""
