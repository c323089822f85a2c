"""Tenancy, checked once for every route: a resource of commune A requested through commune B is a 404.

The route table drives the test: every route under /v1/communes/{commune}/ with an ``*_id`` path parameter
is called through commune beta with the ids of alpha's resources, by beta's admin and by the platform
administrator, with every method the route has. A new route whose id parameter has no factory below fails
this test until one is registered, so new modules are covered without writing the check again.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.fixtures.factories import World

Factory = Callable[[httpx.AsyncClient, World, dict[str, str]], Awaitable[str]]


async def _process(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/processes",
        json={"slug": "bp-2026", "title": {"fr": "Budget participatif"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _phase(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/phases",
        json={"title": {"fr": "Vote"}, "start_date": "2026-01-01", "end_date": "2026-12-31"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _component(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/components",
        json={"module_key": "example", "name": {"fr": "Exemple"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _membership(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/members",
        json={"email": "nobody@test.org", "role": "staff"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _public_history(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    """A resource with a public history (``/history/spaces/process/{resource_id}``): the published process."""
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/publish", headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text
    return ids["process_id"]


async def _verification(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/verifications/desk",
        json={"email": "participant@alpha.test.org", "identifier": "EM 1234567"},
        headers=world.headers("staff"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


# Path parameter -> how to create such a resource in alpha (in dependency order).
async def _api_key(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/api-keys",
        json={"name": "Portal", "scopes": ["read"]},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


FACTORIES: dict[str, Factory] = {
    "api_key_id": _api_key,
    "process_id": _process,
    "phase_id": _phase,
    "component_id": _component,
    "membership_id": _membership,
    "verification_id": _verification,
    "resource_id": _public_history,
}
# Path parameters that are not ids, and the value they take in the calls.
FIXED_PARAMS = {"commune": "beta", "key": "example", "resource_module": "spaces", "resource_type": "process"}
NON_RESOURCE_PARAMS = set(FIXED_PARAMS)


def _scoped_routes(app: Any) -> list[tuple[str, list[str]]]:
    """(path, methods) of every commune-scoped route with a resource id, from the app's own route table."""
    return [
        (path, [m.upper() for m in item])
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/v1/communes/{commune}/")
        and any(p.endswith("_id") for p in re.findall(r"{(\w+)}", path))
    ]


async def test_every_route_hides_other_communes_resources(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    for slug in ("alpha", "beta"):
        r = await client.put(
            f"/v1/communes/{slug}/modules/example", json={}, headers=world.headers("platform")
        )
        assert r.status_code == 200
    routes = _scoped_routes(app)
    needed = {p for path, _ in routes for p in re.findall(r"{(\w+)}", path)} - NON_RESOURCE_PARAMS
    missing = needed - set(FACTORIES)
    assert not missing, f"register a factory for path parameter(s) {missing} in tests/test_tenancy.py"

    ids: dict[str, str] = {}
    for name, factory in FACTORIES.items():
        ids[name] = await factory(client, world, ids)

    checked = 0
    for template, methods in routes:
        path = template
        for p in re.findall(r"{(\w+)}", template):
            value = FIXED_PARAMS.get(p) or ids[p]
            path = path.replace("{" + p + "}", value)
        for method in sorted(methods):
            for who in ("beta_admin", "platform"):
                kwargs: dict[str, Any] = {"headers": world.headers(who)}
                if method in {"POST", "PUT", "PATCH"}:
                    kwargs["json"] = {}
                r = await client.request(method, path, **kwargs)
                assert r.status_code == 404, f"{method} {template} as {who}: {r.status_code} {r.text}"
                assert r.headers["content-type"] == "application/problem+json"
                checked += 1
    assert checked >= 20
    # and alpha's resources are all still there, unchanged
    r = await client.get(f"/v1/communes/alpha/processes/{ids['process_id']}", headers=world.headers("admin"))
    assert r.status_code == 200
