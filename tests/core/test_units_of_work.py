"""Units of work: read-only ones write nothing (and run without a transaction on PostgreSQL), usage records
are the one exception, and a pooled connection that died is replaced before a request gets it."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from civicapi.communes.models import Commune
from civicapi.core.db.session import BOOKKEEPING, Database, ReadOnlyViolation, create_engine
from tests.fixtures.factories import World


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


async def test_a_usage_record_may_be_written_by_a_read(db: Database, world: World) -> None:
    async with db.unit_of_work(readonly=True) as session:
        await session.execute(
            update(Commune).where(Commune.slug == "alpha").values(name="Recorded"),
            execution_options={BOOKKEEPING: True},
        )
    assert await _name(db) == "Recorded"


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


async def test_a_dead_pooled_connection_is_replaced_before_use(database_url: str, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("the pool check is PostgreSQL's (SQLite has no server to lose)")
    own = Database(create_engine(database_url, pool_size=1))
    other = Database(create_engine(database_url))
    try:
        async with own.unit_of_work(readonly=True) as session:
            pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with other.unit_of_work() as session:  # the server drops the pooled connection
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for readonly in (True, False):
            async with own.unit_of_work(readonly=readonly) as session:
                now_pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            assert now_pid != pid
    finally:
        await own.dispose()
        await other.dispose()
