"""Every list answers the same way (docs/internals/api-conventions.md): ``{"items": [...], "next_cursor": ...}``, a bounded
``limit``, an opaque ``cursor`` and a ``Link: <...>; rel="next"`` header; never a bare JSON array."""

from __future__ import annotations

import typing
from typing import Any

import httpx
from fastapi.routing import iter_route_contexts

from civicapi.openapi_doc import render_openapi


def _get_routes(app: Any) -> list[Any]:
    """Every GET route as the app serves it (its effective route: path with prefix, response model)."""
    routes = [getattr(c, "_effective_route", None) or c.route for c in iter_route_contexts(app.routes)]
    found = [r for r in routes if hasattr(r, "response_model") and "GET" in (r.methods or ())]
    assert len(found) > 50, "the walk found the application's routes"
    return found


def test_no_get_route_answers_a_bare_array(app: Any) -> None:
    bare = [
        r.path
        for r in _get_routes(app)
        if typing.get_origin(r.response_model) in (list, tuple, set)
        or (
            r.response_model is not None
            and typing.get_origin(r.response_model) is None
            and r.response_model is list
        )
    ]
    assert bare == [], f"GET routes answering a bare array: {bare}"
    listed = [r for r in _get_routes(app) if "items" in getattr(r.response_model, "model_fields", {})]
    for route in listed:
        names = {p.name for p in route.dependant.query_params}
        for dep in route.dependant.dependencies:
            names |= {p.name for p in dep.query_params}
        assert {"limit", "cursor"} <= names, f"{route.path} pages without limit and cursor"


def test_the_openapi_document_declares_no_bare_array_answer() -> None:
    import json

    doc = json.loads(render_openapi())
    bare = []
    for path, operations in doc["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        schema = (
            get["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        )
        if schema.get("type") == "array":
            bare.append(path)
    assert bare == []


async def _walk(client: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url is not None:
        r = await client.get(next_url)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"items", "next_cursor"}
        assert len(body["items"]) <= 1
        seen.extend(body["items"])
        link = r.headers.get("link")
        if body["next_cursor"] is None:
            assert link is None
            next_url = None
        else:
            assert link is not None and link.endswith('>; rel="next"')
            next_url = link[1 : link.index(">")]
    return seen


async def test_a_list_held_in_memory_pages_with_cursor_and_link(client: httpx.AsyncClient) -> None:
    whole = (await client.get("/v1/modules", params={"limit": 100})).json()["items"]
    assert len(whole) >= 2
    keys = [m["key"] for m in whole]
    assert keys == sorted(keys)
    walked = await _walk(client, "/v1/modules?limit=1")
    assert [m["key"] for m in walked] == keys
    backwards = (await client.get("/v1/modules", params={"sort": "-key"})).json()["items"]
    assert [m["key"] for m in backwards] == keys[::-1]


async def test_a_list_held_in_memory_refuses_bad_sort_cursor_and_limit(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/modules", params={"sort": "version"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "invalid_sort"
    r = await client.get("/v1/modules", params={"cursor": "not-a-cursor"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "invalid_cursor"
    first = await client.get("/v1/modules", params={"limit": 1})
    other_sort = await client.get(
        "/v1/modules", params={"limit": 1, "sort": "-key", "cursor": first.json()["next_cursor"]}
    )
    assert other_sort.status_code == 422
    assert (await client.get("/v1/modules", params={"limit": 101})).status_code == 422


def test_every_sort_parameter_is_a_closed_vocabulary() -> None:
    """A generated client offers exactly the sorts a list serves: every ``sort`` query parameter of the
    OpenAPI document is an enum of strings (fields, their '-' reverse, and values such as ``random``)."""
    import json

    doc = json.loads(render_openapi())
    open_ended = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] != "sort" or parameter["in"] != "query":
                    continue
                schema = parameter["schema"]
                if schema.get("type") != "string" or not schema.get("enum"):
                    open_ended.append(f"{method.upper()} {path}")
    assert open_ended == []
