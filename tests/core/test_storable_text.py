"""Text PostgreSQL cannot store (U+0000, unpaired surrogates) is a 422 on every route, on both backends.

The route table drives the test: every operation of the app is called with U+0000 in each path parameter,
in its string query parameters and in every field of its body (JSON or text), and must answer a 422
``invalid-input`` problem naming where the character was, never a 5xx (PostgreSQL's
``CharacterNotInRepertoireError`` or JSONB's ``unsupported Unicode escape`` used to become 500s)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.routing import APIRoute, iter_route_contexts

from civicapi.core.storable import CODE
from tests.fixtures.factories import World

NUL = "\u0000"
UUID = "00000000-0000-4000-8000-000000000000"


def _operations(app: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, OpenAPI operation) of every route the app serves, from ``app.routes``."""
    paths = app.openapi()["paths"]
    found = []
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        template = str(context.path)
        for method in sorted(context.methods or ()):
            operation = paths.get(template, {}).get(method.lower(), {})
            found.append((method, template, operation))
    return found


def _fill(template: str, nul_in: str | None) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        plain = "alpha" if name == "commune" else UUID if name.endswith("_id") else "x"
        return plain[:2] + "%00" + plain[2:] if name == nul_in else plain

    return re.sub(r"{(\w+)}", value, template)


def _body_schema(app: Any, operation: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None
    media = next(iter(content))
    schema = content[media].get("schema", {})
    ref = schema.get("$ref")
    if ref:
        schema = app.openapi()["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return media, schema


def _nul_bodies(media: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    if "json" not in media:
        return [{"content": f"a{NUL}b".encode(), "media": media}]
    fields = list(schema.get("properties", {})) or ["value"]
    bodies: list[dict[str, Any]] = [{"json": dict.fromkeys(fields, NUL)}]
    bodies.append({"json": {name: {"fr": f"x{NUL}"} for name in fields}})
    bodies.append({"json": {f"k{NUL}": "v"}})
    return bodies


def _assert_refused(r: httpx.Response, what: str, where: str) -> None:
    assert r.status_code == 422, f"{what}: {r.status_code} {r.text}"
    problem = r.json()
    assert problem["type"] == "/problems/invalid-input", what
    assert problem["errors"][0]["code"] == CODE, what
    assert problem["errors"][0]["location"][0] == where, f"{what}: {problem}"


async def test_every_route_refuses_nul_in_every_string_input(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    headers = world.headers("platform")
    operations = _operations(app)
    assert len(operations) > 100
    sent = 0
    for method, template, operation in operations:
        what = f"{method} {template}"
        for name in re.findall(r"{(\w+)}", template):
            r = await client.request(method, _fill(template, name), headers=headers)
            _assert_refused(r, f"{what} with NUL in {name}", "path")
            sent += 1
        queries = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"] or ["q"]
        for name in queries:
            r = await client.request(method, _fill(template, None), params={name: NUL}, headers=headers)
            _assert_refused(r, f"{what} with NUL in ?{name}", "query")
            sent += 1
        body = _body_schema(app, operation)
        if body is not None:
            for kwargs in _nul_bodies(*body):
                media = kwargs.pop("media", None)
                sent_headers = {**headers, "Content-Type": media} if media else headers
                r = await client.request(method, _fill(template, None), headers=sent_headers, **kwargs)
                _assert_refused(r, f"{what} with NUL in the body {kwargs}", "body")
                sent += 1
    assert sent > 300


async def test_nul_in_a_header_used_as_data_is_refused(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/v1/communes/alpha/processes",
        json={"slug": "bp", "title": {"fr": "Budget"}},
        headers={**world.headers("admin"), "Idempotency-Key": "abc\x00def"},
    )
    _assert_refused(r, "Idempotency-Key", "header")
    assert r.json()["errors"][0]["location"] == ["header", "idempotency-key"]


async def test_unpaired_surrogates_are_refused_and_pairs_kept(
    client: httpx.AsyncClient, world: World
) -> None:
    url = "/v1/communes/alpha/processes"
    for escape in ("\\ud800", "\\udfff", "x\\ud83d", "\\ude00y"):
        raw = '{"slug": "bp", "title": {"fr": "' + escape + '"}}'
        r = await client.post(
            url, content=raw.encode(), headers={**world.headers("admin"), "Content-Type": "application/json"}
        )
        _assert_refused(r, escape, "body")
        assert r.json()["errors"][0]["location"] == ["body", "title", "fr"]
    # An emoji written as a surrogate pair is fine, and so is an escaped backslash before "u0000".
    raw = '{"slug": "bp", "title": {"fr": "Jardin \\ud83c\\udf31 \\\\u0000"}}'
    r = await client.post(
        url, content=raw.encode(), headers={**world.headers("admin"), "Content-Type": "application/json"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["title"]["fr"] == "Jardin \U0001f331 \\u0000"
    assert (await client.get(f"{url}/{r.json()['id']}", headers=world.headers("admin"))).status_code == 200
