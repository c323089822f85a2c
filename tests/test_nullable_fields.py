"""Where a request schema allows ``null``, the operation accepts it: every nullable property of every write
body in the OpenAPI document is sent as ``null`` alone, on a real resource, and must not be refused as
invalid at that field. (A field that cannot be cleared is declared non-nullable: it may be left out.)"""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.factories import World
from tests.fixtures.real_ids import fill_path, seed_ids


def _nullable(schema: dict[str, Any]) -> bool:
    return (
        any(option.get("type") == "null" for option in schema.get("anyOf", ()))
        or schema.get("type") == "null"
    )


def _body_properties(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref")
    if ref is None:
        return {}
    resolved: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return dict(resolved.get("properties", {}))


async def test_null_is_accepted_wherever_the_schema_allows_it(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    ids = await seed_ids(client, world)
    spec = app.openapi()
    refused = []
    tried = 0
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in {"patch", "put"}:
                continue
            path = fill_path(template, ids)
            for name, schema in _body_properties(spec, operation).items():
                if not _nullable(schema):
                    continue
                tried += 1
                r = await client.request(method, path, json={name: None}, headers=world.headers("platform"))
                errors = r.json().get("errors") or [] if r.status_code == 422 else []
                # a 422 at the field, or the database's NOT NULL turned into a bare 409
                integrity = r.status_code == 409 and r.json()["type"] == "/problems/conflict"
                if integrity or any(e["location"][:2] == ["body", name] for e in errors):
                    refused.append(f"{method.upper()} {template} {name}: {r.text[:200]}")
    assert tried > 10
    assert not refused, "\n".join(refused)
