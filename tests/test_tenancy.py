"""Tenancy, checked once for every route: a resource of commune A requested through commune B is a 404.

The route tables drive the test: every route under /v1/communes/{commune}/ with an ``*_id`` path parameter
is called through commune beta with the ids of alpha's resources, by beta's admin and by the platform
administrator, with every method the route has; each answer is a 404 problem document the operation
declares. The platform's own resources are made by the factories below; each module's by the ``tenancy``
factories of its route table (``route_table.py`` beside its tests, registered with :mod:`civicapi.testing`),
gathered from every ``route_table.py`` under ``tests/``. A new route whose id parameter has no factory fails
this test until one is registered, so new modules are covered without writing the check again.

The same tables drive the module switch: every route of every module answers 404 ``module-not-enabled``
in a commune that has not enabled the module; and the resource types modules declare for the capabilities
(``CivicModule.resource_types``): through commune beta no id of alpha is visible nor described, through
alpha ``visible`` answers what the module's reads show each caller, one statement per page of ids
(``civicapi.testing.check_resource_types``, on the resources the tenancy factories make).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from civicapi.testing import (
    SPACES_TENANCY,
    People,
    RouteTable,
    TenancyFactory,
    check_disabled,
    check_resource_types,
    enable_everywhere,
    forget_previous_world,
    gather,
    merged,
    missing_factories,
    scoped_routes,
    shared_app,
    tenancy_problems,
)
from tests.fixtures.factories import World

TABLES: dict[str, RouteTable] = gather(Path(__file__).parent)
"""Every module's route table (each ``route_table.py`` under tests/ registers one)."""


@pytest.fixture(scope="module")
def app(database_url: str, engine: AsyncEngine) -> Any:
    """One app for this file's checks: building it and its OpenAPI document takes seconds."""
    return shared_app(database_url, engine)


@pytest.fixture(autouse=True)
def _new_world(app: Any) -> None:
    forget_previous_world(app)


async def _component(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/components",
        json={"module_key": "example", "name": {"fr": "Exemple"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _membership(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/members",
        json={"email": "nobody@test.org", "role": "staff"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _public_history(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    """A resource with a public history (``/history/spaces/process/{resource_id}``): the published process."""
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/publish", headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text
    return ids["process_id"]


async def _verification(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/verifications/desk",
        json={"email": "participant@alpha.test.org", "identifier": "EM 1234567"},
        headers=world.headers("staff"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _api_key(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/api-keys",
        json={"name": "Portal", "scopes": ["read"]},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _invitation(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/invitations",
        json={"email": "invitee@example.org", "role": "staff"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _district(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    """A district of alpha (by code: routes without an ``*_id`` are not called through beta here; the
    districts' own tests check another commune's areas are unseen). Its code is the path parameter."""
    square = [[5.55, 50.62], [5.6, 50.62], [5.6, 50.66], [5.55, 50.66], [5.55, 50.62]]
    body = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square]},
        "properties": {"code": "centre", "name": {"fr": "Centre"}},
    }
    r = await client.post("/v1/communes/alpha/places/districts", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


PLATFORM: dict[str, TenancyFactory] = {
    "api_key_id": _api_key,
    "invitation_id": _invitation,
    **SPACES_TENANCY,  # process_id, phase_id
    "component_id": _component,
    "membership_id": _membership,
    "verification_id": _verification,
    "resource_id": _public_history,
    "district_code": _district,
}
"""The platform's resources, in dependency order; each module's come from its route table."""
FACTORIES: dict[str, TenancyFactory] = merged(
    [PLATFORM, *(t.tenancy for t in TABLES.values())], "tenancy factory for"
)
# Path parameters that are not ids, and the value they take in the calls.
FIXED_PARAMS = {"commune": "beta", "key": "example", "resource_module": "spaces", "resource_type": "process"}


async def test_every_route_hides_other_communes_resources(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    await enable_everywhere(client, world, "example")
    routes = scoped_routes(app)
    missing = missing_factories(routes, FACTORIES, FIXED_PARAMS)
    owners = {
        p: next((t.origin for t in TABLES.values() if any(t.owns(r) and p in r for r, _ in routes)), __file__)
        for p in missing
    }
    assert not missing, f"register a tenancy factory for path parameter(s) {owners}"

    ids: dict[str, str] = {}
    for name, factory in FACTORIES.items():
        ids[name] = await factory(client, world, ids)

    checked = await tenancy_problems(client, world, app, routes, ids, FIXED_PARAMS)
    assert checked >= 20
    # and alpha's resources are all still there, unchanged
    r = await client.get(f"/v1/communes/alpha/processes/{ids['process_id']}", headers=world.headers("admin"))
    assert r.status_code == 200


async def test_every_module_route_is_not_found_where_the_module_is_not_enabled(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    assert set(TABLES) == set(app.state.registry.keys), "every installed module registers a route table"
    for table in TABLES.values():
        assert await check_disabled(client, world, app, table)


@pytest.mark.parametrize("key", sorted(TABLES))
async def test_every_resource_type_sees_what_its_module_shows(
    client: httpx.AsyncClient, world: World, app: Any, key: str
) -> None:
    module = app.state.registry.get(key)
    assert await check_resource_types(client, world, app, TABLES[key]) == len(module.resource_types)
