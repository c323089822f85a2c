"""civicapi.testing refuses what would make the route-table checks weaker: a second table for a module, a
name two tables claim, an unclassified or stale operation, a path parameter without a factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from civicapi.testing import (
    Perm,
    RouteTable,
    assert_classified,
    check_disabled,
    check_tenancy,
    gather,
    merged,
    register,
)
from civicapi.testing.tables import forget
from tests.fixtures.factories import World

EXAMPLE = Path(__file__).parents[1] / "fixtures" / "example_plugin" / "tests"


def test_a_second_table_for_a_module_is_refused(tmp_path: Path) -> None:
    first = register(RouteTable(key="kit-test", rules={}, origin=str(tmp_path / "a.py")))
    try:
        assert register(RouteTable(key="kit-test", rules={}, origin=first.origin)).key == "kit-test"
        with pytest.raises(ValueError, match="already has a route table"):
            register(RouteTable(key="kit-test", rules={}, origin=str(tmp_path / "b.py")))
    finally:
        forget("kit-test")


def test_a_name_two_tables_claim_is_refused() -> None:
    with pytest.raises(ValueError, match="'x_create' is declared by two route tables"):
        merged([{"x_create": Perm("a")}, {"x_create": Perm("b")}], "operation")


def test_gather_imports_each_table_once() -> None:
    tables = gather(EXAMPLE)
    assert gather(EXAMPLE)["example"] is tables["example"]
    assert tables["example"].origin == str((EXAMPLE / "route_table.py").resolve())


def test_an_unclassified_or_stale_operation_fails_naming_the_table(app: Any) -> None:
    rules = dict(gather(EXAMPLE)["example"].rules)
    del rules["example_echo"]
    table = RouteTable(key="example", rules=rules, origin="civicapi_example/tests/route_table.py")
    with pytest.raises(AssertionError, match=r"civicapi_example/tests/route_table.py:\nexample_echo \(POST"):
        assert_classified(app, table)
    table.rules = {**rules, "example_echo": Perm("example.echo"), "example_gone": Perm("example.echo")}
    with pytest.raises(AssertionError, match="operations the app does not have: \\['example_gone'\\]"):
        assert_classified(app, table)


async def test_a_path_parameter_without_a_tenancy_factory_fails(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    table = RouteTable(key="example", rules={}, origin="route_table.py")
    with pytest.raises(AssertionError, match=r"register a tenancy factory for path parameter.*note_id"):
        await check_tenancy(client, world, app, table)


async def test_an_enabled_module_fails_the_disabled_check(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    r = await client.put("/v1/communes/alpha/modules/example", json={}, headers=world.headers("platform"))
    assert r.status_code == 200
    with pytest.raises(AssertionError, match=r" as admin: (200|4\d\d) "):
        await check_disabled(client, world, app, RouteTable(key="example", rules={}))
