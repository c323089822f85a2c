"""The map module's routes through civicapi's checks: no write operation unclassified, and every route
answers 404 ``module-not-enabled`` where the commune has not enabled the module."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.testing import assert_classified, check_disabled, check_tenancy
from tests.fixtures.factories import World
from tests.modules.map.route_table import TABLE


def test_every_write_operation_is_classified(app: Any) -> None:
    assert_classified(app, TABLE)


async def test_every_route_is_404_where_the_module_is_not_enabled(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    assert await check_disabled(client, world, app, TABLE) >= 4


async def test_another_communes_map_is_reached_through_its_own_slug_only(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    await check_tenancy(client, world, app, TABLE)
