"""Engine and sessions. The unit of work is committed in exactly one place: :func:`unit_of_work`."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Set
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
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
    # Deleted rows are overwritten with zeros, not left in free space (erasure: see forget_freed_pages).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


READONLY_OPTION = "civicapi_readonly"
READONLY_KEY = "civicapi.readonly"
"""``session.info`` key: the unit of work promised to read only (safe HTTP methods)."""


class ReadOnlyViolation(RuntimeError):
    """Code serving a safe method (GET, HEAD, OPTIONS) tried to write: a bug, refused before anything is
    sent to the database (on PostgreSQL such a unit of work runs without a transaction)."""


ANY_TABLE = "*"


def _written(session: Session) -> set[str]:
    tables: set[str] = session.info.setdefault(WROTE_KEY, set())
    return tables


@event.listens_for(Session, "before_flush")
def _refuse_readonly_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READONLY_KEY) and (
        session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    ):
        raise ReadOnlyViolation("a read-only unit of work (safe HTTP method) tried to write")


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    tables = _written(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__table__", None)
        tables.add(table.name if table is not None else ANY_TABLE)


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and state.session.info.get(READONLY_KEY):
        raise ReadOnlyViolation("a read-only unit of work (safe HTTP method) tried to write")
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


PING_AFTER_IDLE_SECONDS = 1.0
"""A pooled PostgreSQL connection idle for longer than this is tested before it is lent (see
:func:`create_engine`)."""

_CHECKED_IN = "civicapi_checked_in"


def create_engine(
    url: str, *, echo: bool = False, pool_size: int = 10, ping_after_idle: float = PING_AFTER_IDLE_SECONDS
) -> AsyncEngine:
    """Create the async engine for ``url`` (SQLite via aiosqlite, PostgreSQL via asyncpg).

    PostgreSQL: a pooled connection that sat idle for more than ``ping_after_idle`` seconds is tested with
    one round trip before it is lent (a server restart or a dropped connection then costs a reconnect, not
    a failed request). A connection given back less than that ago goes out untested: under load each
    connection is reused within milliseconds, and the test was one round trip of the six or seven a whole
    request makes. Should the server drop a connection in that window, the request using it fails (a 503
    problem) and SQLAlchemy then tests every connection of the pool that is older than the failure."""
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
    engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size)
    pool = engine.sync_engine.pool
    event.listen(pool, "checkin", _note_checkin)
    event.listen(pool, "checkout", functools.partial(_ping_on_checkout, ping_after_idle))
    return engine


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _ping_on_checkout(ping_after_idle: float, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """``pool_pre_ping`` in one round trip, for connections idle longer than ``ping_after_idle``. SQLAlchemy's
    own asyncpg ping wraps its empty statement in BEGIN ... ROLLBACK (for PgBouncer's transaction mode,
    which this service does not use): three round trips on every request."""
    checked_in = record.info.get(_CHECKED_IN)
    if checked_in is not None and time.monotonic() - checked_in <= ping_after_idle:
        return
    was = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.ping()
    except Exception as exc:  # whatever the driver raises, the pool retries with a new connection
        raise DisconnectionError("the pooled connection no longer answers") from exc
    finally:
        dbapi_connection.autocommit = was


AFTER_COMMIT = "civicapi_after_commit"


def after_commit(session: AsyncSession, action: Callable[[Database], Awaitable[None]]) -> None:
    """Run ``action(database)`` once the unit of work has committed and its events were delivered (never
    if it rolls back): work that cannot run inside a transaction. A failing action is logged."""
    session.info.setdefault(AFTER_COMMIT, []).append(action)


def _checkpoint(conn: Connection) -> bool:
    cursor = conn.connection.cursor()
    try:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row = cursor.fetchone()
    finally:
        cursor.close()
    return bool(row and row[0])


async def forget_freed_pages(db: Database) -> None:
    """SQLite: copy every page of the WAL into the main file and truncate the WAL to zero bytes, so what
    was deleted (zeroed by ``secure_delete``) leaves no older copy of its page in the WAL. It waits (busy
    timeout) for readers of older snapshots; if one still holds it, it logs a warning and the next
    automatic checkpoint overwrites the frames. PostgreSQL keeps dead tuples until VACUUM (see
    docs/internals/erasure.md)."""
    if db.engine.dialect.name != "sqlite":
        return
    async with db.engine.connect() as conn:
        busy = await conn.run_sync(_checkpoint)
    if busy:
        log.warning("the WAL checkpoint after an erasure could not complete (a reader held it)")


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
        ``readonly`` (safe HTTP methods): nothing may be written (:class:`ReadOnlyViolation`, raised before
        any statement is sent). On SQLite the transaction then begins deferred instead of taking the write
        lock; on PostgreSQL there is no transaction at all (each statement reads committed data, as it does
        in a READ COMMITTED transaction), which saves the BEGIN and COMMIT round trips.
        """
        async with self.sessionmaker() as session:
            session.info[DB_KEY] = self
            if readonly:
                session.info[READONLY_KEY] = True
                options: dict[str, Any] = {READONLY_OPTION: True}
                if self.engine.dialect.name == "postgresql":
                    options["isolation_level"] = "AUTOCOMMIT"
                await session.connection(execution_options=options)
            try:
                yield session
                pending = self.bus.take_pending(session)
                await session.commit()
                self.wrote(session.info.get(WROTE_KEY))
            except BaseException:
                self.bus.take_pending(session)
                session.info.pop(AFTER_COMMIT, None)
                await session.rollback()
                raise
            actions: list[Callable[[Database], Awaitable[None]]] = session.info.pop(AFTER_COMMIT, [])
        if pending:
            await self.bus.deliver(pending, self)
        for action in actions:
            try:
                await action(self)
            except Exception:  # the commit stands: what follows it is logged, never turned into a failure
                log.exception("work after a commit failed")

    def wrote(self, tables: Set[str] | None) -> None:
        """Record a commit that wrote ``tables``: the generation moves unless they are all quiet."""
        if tables and not tables <= self.quiet_tables:
            self.generation += 1

    async def ping(self) -> None:
        """One round trip to the database (the readiness probe); raises when it does not answer."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        self.row_memo.cancel()
        await self.engine.dispose()
