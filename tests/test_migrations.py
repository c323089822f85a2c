"""Migrations build the schema from empty, go down and up again, and match the models exactly."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect

from civicapi import migrate
from civicapi.core.db.base import Base
from civicapi.core.db.session import create_engine
from civicapi.registry import load_modules
from tests.conftest import BACKENDS, new_database_url


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    return new_database_url(request, request.param, tmp_path_factory)


def test_upgrade_downgrade_upgrade_without_drift(empty_url: str) -> None:
    registry = load_modules(None)
    migrate.upgrade(empty_url)
    expected = {t.name for t in migrate.import_models(registry).sorted_tables}
    assert expected <= asyncio.run(_tables(empty_url))
    assert migrate.drift(empty_url, registry) == []

    migrate.downgrade(empty_url, "base")
    assert asyncio.run(_tables(empty_url)) <= {"alembic_version"}

    migrate.upgrade(empty_url)
    assert migrate.drift(empty_url, registry) == []


def test_every_table_follows_the_naming_rules() -> None:
    metadata = migrate.import_models(load_modules(None))
    assert metadata is Base.metadata
    for table in metadata.sorted_tables:
        prefix = table.name.split("_", 1)[0]
        assert prefix in {"core", "communes", "identity", "spaces"} or load_modules(None).get(prefix), (
            table.name
        )
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
