"""Units of work: read-only ones write nothing (and run without a transaction on PostgreSQL), usage records
are the one exception, and a pooled connection that died is replaced before a request gets it."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from civicapi.communes.models import Commune
from civicapi.config import Settings
from civicapi.core.db.session import (
    Database,
    ReadOnlyViolation,
    _sqlite_pragmas,
    after_commit,
    create_engine,
    forget_freed_pages,
)
from civicapi.main import create_app
from civicapi.registry import load_modules
from tests.fixtures.factories import World

Databases = tuple[Database, Database]


async def _name(db: Database) -> str:
    async with db.unit_of_work() as session:
        return (await session.execute(select(Commune.name).where(Commune.slug == "alpha"))).scalar_one()


async def test_a_read_only_unit_of_work_refuses_every_write(db: Database, world: World) -> None:
    before = await _name(db)
    with pytest.raises(ReadOnlyViolation):
        async with db.unit_of_work(readonly=True) as session:
            commune = (await session.execute(select(Commune).where(Commune.slug == "alpha"))).scalar_one()
            commune.name = "Changed through the ORM"
    with pytest.raises(ReadOnlyViolation):
        async with db.unit_of_work(readonly=True) as session:
            await session.execute(update(Commune).where(Commune.slug == "alpha").values(name="Changed"))
    assert await _name(db) == before


async def test_no_write_is_a_usage_record_in_a_read(db: Database, world: World) -> None:
    """The former exception (an API key's last use, written by the read itself) is gone: on SQLite it made
    reads fail as busy under write load. Uses are written afterwards, by a unit of work of their own."""
    before = await _name(db)
    with pytest.raises(ReadOnlyViolation):
        async with db.unit_of_work(readonly=True) as session:
            await session.execute(
                update(Commune).where(Commune.slug == "alpha").values(name="Recorded"),
                execution_options={"civicapi_bookkeeping": True},
            )
    assert await _name(db) == before


async def test_reads_run_without_a_transaction_on_postgresql(db: Database, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite reads run in a deferred transaction (a WAL snapshot)")
    # now() is the start of the current transaction: equal within one, different across statements
    # that each run in their own.
    async with db.unit_of_work(readonly=True) as session:
        first = (await session.execute(text("SELECT now()"))).scalar_one()
        await session.execute(text("SELECT pg_sleep(0.01)"))
        second = (await session.execute(text("SELECT now()"))).scalar_one()
    assert first != second
    async with db.unit_of_work() as session:
        first = (await session.execute(text("SELECT now()"))).scalar_one()
        await session.execute(text("SELECT pg_sleep(0.01)"))
        second = (await session.execute(text("SELECT now()"))).scalar_one()
    assert first == second


async def _pid(db: Database, *, readonly: bool = True) -> int:
    async with db.unit_of_work(readonly=readonly) as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(db: Database, pid: int) -> None:
    async with db.unit_of_work() as session:  # the server drops that pooled connection
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


@asynccontextmanager
async def _pool_of_one(database_url: str, backend: str, ping_after_idle: float) -> AsyncIterator[Databases]:
    """A database whose pool holds one connection, tested when idle longer than ``ping_after_idle``, and
    another one to drop it from (PostgreSQL only)."""
    if backend != "postgresql":
        pytest.skip("the pool check is PostgreSQL's (SQLite has no server to lose)")
    own = Database(create_engine(database_url, pool_size=1, ping_after_idle=ping_after_idle))
    other = Database(create_engine(database_url))
    try:
        yield own, other
    finally:
        await own.dispose()
        await other.dispose()


async def test_a_dead_pooled_connection_is_replaced_before_use(database_url: str, backend: str) -> None:
    async with _pool_of_one(database_url, backend, ping_after_idle=0.05) as (own, other):
        pid = await _pid(own)
        await _terminate(other, pid)
        await asyncio.sleep(0.1)  # idle for longer than ping_after_idle: tested before it is lent
        for readonly in (True, False):
            assert await _pid(own, readonly=readonly) != pid


async def test_a_connection_dropped_right_after_use_fails_one_unit_of_work_only(
    database_url: str, backend: str
) -> None:
    """A connection given back moments ago goes out untested (the test is a round trip of every request):
    if the server dropped it in between, that unit of work fails as a database error, and the pool
    replaces the connection for the next one."""
    async with _pool_of_one(database_url, backend, ping_after_idle=60) as (own, other):
        pid = await _pid(own)
        await _terminate(other, pid)
        with pytest.raises(DBAPIError) as failed:
            await _pid(own)
        assert failed.value.connection_invalidated
        assert await _pid(own) != pid


async def test_a_request_on_a_dropped_connection_gets_a_503_to_retry(
    database_url: str, backend: str, settings: Settings, world: World
) -> None:
    async with _pool_of_one(database_url, backend, ping_after_idle=60) as (own, other):
        app = create_app(settings, registry=load_modules(None), database=own)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            me = world.headers("admin")
            assert (await client.get("/v1/me", headers=me)).status_code == 200
            await _terminate(other, await _pid(own))
            dropped = await client.get("/v1/me", headers=me)
            assert dropped.status_code == 503, dropped.text
            assert dropped.headers["retry-after"] == "1"
            assert dropped.json()["type"] == "/problems/unavailable"
            assert (await client.get("/v1/me", headers=me)).status_code == 200


def _size(path: str) -> int:
    return os.path.getsize(path)


async def test_after_commit_work_runs_once_committed_and_never_after_a_rollback(
    db: Database, world: World, backend: str, database_url: str
) -> None:
    seen: list[str] = []

    async def note(database: Database) -> None:
        assert database is db
        seen.append(await _name(db))  # the commit is visible, and no transaction is held

    async with db.unit_of_work() as session:
        await session.execute(update(Commune).where(Commune.slug == "alpha").values(name="Alpha 2"))
        after_commit(session, note)
        assert seen == []
    assert seen == ["Alpha 2"]
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            after_commit(session, note)
            raise RuntimeError("rolled back")
    assert seen == ["Alpha 2"]

    async def fail(database: Database) -> None:
        raise RuntimeError("after the commit")

    async with db.unit_of_work() as session:  # the commit stands; the failure is only logged
        await session.execute(update(Commune).where(Commune.slug == "alpha").values(name="Alpha 3"))
        after_commit(session, fail)
        after_commit(session, note)
    assert seen == ["Alpha 2", "Alpha 3"]
    if backend == "sqlite":
        wal = database_url.split("///", 1)[1] + "-wal"
        assert _size(wal) > 0  # the commit above is in the WAL
        async with db.unit_of_work() as session:
            after_commit(session, forget_freed_pages)
        assert _size(wal) == 0  # the WAL was copied into the database and truncated


def test_sqlite_connections_zero_what_they_delete(tmp_path: Path) -> None:
    """``secure_delete`` on every connection, whatever the SQLite build's default (Debian's is on, others'
    off): the connection hook turns it on from off."""
    raw = sqlite3.connect(tmp_path / "x.db")
    try:
        raw.execute("PRAGMA secure_delete=OFF")
        _sqlite_pragmas(raw, None)
        assert raw.execute("PRAGMA secure_delete").fetchone() == (1,)
    finally:
        raw.close()
