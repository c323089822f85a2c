"""Engine and sessions. The unit of work is committed in exactly one place: :func:`unit_of_work`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.pool import StaticPool

from civicapi.core.db.memo import DB_KEY, WROTE_KEY, RowMemo
from civicapi.core.events import EventBus

log = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event, not the driver, open transactions (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


READONLY_OPTION = "civicapi_readonly"


ANY_TABLE = "*"


def _written(session: Session) -> set[str]:
    tables: set[str] = session.info.setdefault(WROTE_KEY, set())
    return tables


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    tables = _written(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__table__", None)
        tables.add(table.name if table is not None else ANY_TABLE)


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not state.is_select:
        table = getattr(state.statement, "table", None)
        _written(state.session).add(getattr(table, "name", None) or ANY_TABLE)


def _sqlite_begin(conn: Any) -> None:
    # Writers take the database lock when their transaction starts, so two transactions never both read
    # and then fail to upgrade to a write lock (SQLITE_BUSY without retry). Serialised writers are what
    # SQLite offers; PostgreSQL gets row-level concurrency instead. Read-only units of work (GET requests)
    # begin a deferred transaction and read concurrently from the WAL snapshot.
    if conn.get_execution_options().get(READONLY_OPTION):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    """Create the async engine for ``url`` (SQLite via aiosqlite, PostgreSQL via asyncpg)."""
    if url.startswith("sqlite"):
        memory = ":memory:" in url or url.rstrip("/").endswith("sqlite+aiosqlite:")
        if memory:
            engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, poolclass=StaticPool)
        else:
            engine = create_async_engine(
                url, echo=echo, connect_args={"timeout": 30}, pool_size=pool_size, max_overflow=pool_size
            )
        sync_engine: Engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas)
        event.listen(sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


class Database:
    """The engine, its session factory and the event bus that runs after commits."""

    def __init__(self, engine: AsyncEngine, bus: EventBus | None = None) -> None:
        self.engine = engine
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self.bus = bus or EventBus()
        self.generation = 0
        """Bumped after every commit that may have changed what public pages show: what this process
        read before is stale once it moves (see :mod:`civicapi.core.cache`)."""
        self.quiet_tables: set[str] = set()
        """Tables whose writes do not move :attr:`generation`: high-volume personal records (ballots) that
        public pages only show as totals, which may then lag by the cache's ``max-age``."""
        self.row_memo = RowMemo()
        """Rows nearly every request reads (see :mod:`civicapi.core.db.memo`); off until configured."""

    @asynccontextmanager
    async def unit_of_work(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends normally, rolled back on any exception.

        Events published during the block are delivered after the commit and dropped on rollback.
        ``readonly`` is a hint (safe HTTP methods): on SQLite the transaction then begins deferred instead of
        taking the write lock; a write inside it still works, but may meet a busy database (a 503 with Retry-After).
        """
        async with self.sessionmaker() as session:
            session.info[DB_KEY] = self
            if readonly:
                await session.connection(execution_options={READONLY_OPTION: True})
            try:
                yield session
                pending = self.bus.take_pending(session)
                await session.commit()
                written = session.info.get(WROTE_KEY)
                if written and not written <= self.quiet_tables:
                    self.generation += 1
            except BaseException:
                self.bus.take_pending(session)
                await session.rollback()
                raise
        if pending:
            await self.bus.deliver(pending, self)

    async def dispose(self) -> None:
        await self.engine.dispose()
