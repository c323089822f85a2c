"""Fixtures of the platform's caches tests: another process's view of the database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import update

from civicapi.communes.models import Commune
from civicapi.core.db.session import Database, create_engine


@pytest.fixture
async def elsewhere(database_url: str) -> AsyncIterator[Database]:
    """Another process's view of the same database: its commits do not move the app's generation."""
    other = Database(create_engine(database_url))
    yield other
    await other.dispose()


async def rename_elsewhere(other: Database, name: str) -> None:
    """Rename the commune ``alpha`` through ``other`` (as another worker would)."""
    async with other.unit_of_work() as session:
        await session.execute(update(Commune).where(Commune.slug == "alpha").values(name=name))
