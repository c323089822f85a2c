"""Test fixtures. Every database test runs twice: on SQLite and on a real PostgreSQL server.

The schema is built by running the Alembic migrations once per backend; each test then starts from empty
tables (they are emptied after the test, so concurrency tests can really commit)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from civicapi import migrate
from civicapi.config import Environment, Settings
from civicapi.core.db.base import Base
from civicapi.core.db.session import Database, create_engine
from civicapi.main import create_app
from civicapi.registry import load_modules
from tests.fixtures.postgres import find_bindir, temporary_postgres

BACKENDS = ["sqlite", "postgresql"]
only = os.environ.get("CIVICAPI_TEST_BACKENDS")
if only:
    BACKENDS = [b for b in BACKENDS if b in only.split(",")]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    url = os.environ.get("CIVICAPI_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    if find_bindir() is None:
        if os.environ.get("CIVICAPI_TEST_REQUIRE_POSTGRES"):
            pytest.fail(
                "PostgreSQL is required (CIVICAPI_TEST_REQUIRE_POSTGRES) but its binaries are missing"
            )
        pytest.skip("PostgreSQL binaries not found")
    with temporary_postgres() as server_url:
        yield server_url


async def _create_pg_database(server_url: str, name: str) -> str:
    engine = create_engine(server_url)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def new_database_url(
    request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """An empty database of ``backend`` (not migrated)."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "civicapi.db"
        return f"sqlite+aiosqlite:///{path}"
    server = request.getfixturevalue("postgres_server")
    name = f"civicapi_test_{uuid.uuid4().hex[:10]}"
    return asyncio.run(_create_pg_database(server, name))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database, one per backend for the whole session."""
    url = new_database_url(request, request.param, tmp_path_factory)
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url, pool_size=20)
    yield eng
    await eng.dispose()


async def _empty_tables(eng: AsyncEngine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for t in tables:
                await conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[Database]:
    database = Database(engine)
    yield database
    await _empty_tables(engine)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        env=Environment.test,
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",  # type: ignore[arg-type]
        modules=None,
        max_body_bytes=65_536,
        # The races must race in full (a hundred requests at once): admission control has its own tests.
        max_in_flight=0,
    )


@pytest.fixture
def app(settings: Settings, db: Database) -> Any:
    return create_app(settings, registry=load_modules(None), database=db)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def world(db: Database, app: Any) -> Any:
    from tests.fixtures.factories import build_world

    return await build_world(db, app)
