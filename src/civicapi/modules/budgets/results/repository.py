"""SQL of a budget's urn as a whole: sealing it when the vote closes, reading the sealed ballots for the
export, and inserting a whole imported election.

Sealing is done by the database: each cast ballot and its items are copied under a new random id to a new
random position by ``INSERT ... SELECT`` statements joined to the mapping (old id, new id, position), sent
as three arrays on PostgreSQL and as a table of values elsewhere, a chunk of ballots at a time; then the
old rows are deleted. No ballot or item travels through Python and no ORM object is built; between chunks
the event loop serves other requests (``bench/close.py``). The new rows are written in their new order,
so even where they lie in the table (``ctid``, ``rowid``) says nothing of the order ballots were cast in.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    Uuid,
    and_,
    bindparam,
    cast,
    column,
    delete,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row
from sqlalchemy.sql import Executable

from civicapi.core.db.base import utcnow
from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.modules.budgets.models import SEALED, Ballot, BallotExport, BallotItem, CountRun
from civicapi.modules.budgets.voting.repository import NO_SYNC

CHUNK = 5000
ANALYZE_AFTER = 1000
"""Ballots inserted at once past which PostgreSQL's statistics of the ballot tables are refreshed."""
"""Ballots per statement where the mapping of a re-issue is sent as values (SQLite): 3 bound values each,
under every database's limit; rows per statement of an import."""
ARRAY_CHUNK = 20_000
"""Ballots per statement where the mapping is sent as three arrays (PostgreSQL)."""
PARTITION = 1000
"""Rows per partition when the sealed urn is read: each takes a few milliseconds to decode."""

_BALLOTS = Ballot.metadata.tables[Ballot.__tablename__]
_ITEMS = BallotItem.metadata.tables[BallotItem.__tablename__]
_NEW_BALLOT = ["id", "commune_id", "budget_id", "status", "channel", "total_cost", "points_total"]
_NEW_BALLOT += ["projects_count", "position", "voter_ref", "extra"]
SealedRow = Row[uuid.UUID, int | None, str | None, str, dict[str, Any] | None]
ItemRow = Row[uuid.UUID, uuid.UUID, int]


def _reissue(m: Any) -> tuple[Executable, Executable]:
    """The ballots, then the items, of the mapping ``m`` (``old``, ``new``, ``n``) copied in ``n`` order."""
    old, item = _BALLOTS.c, _ITEMS.c
    commune_id = bindparam("commune_id", type_=Uuid)
    ballots = (
        select(
            m.c.new,
            old.commune_id,
            old.budget_id,
            literal(SEALED),
            old.channel,
            old.total_cost,
            old.points_total,
            old.projects_count,
            m.c.n,
            cast(m.c.n, String),
            literal({}, _BALLOTS.c.extra.type),
        )
        .join(m, m.c.old == old.id)
        .where(old.commune_id == commune_id)
        .order_by(m.c.n)
    )
    items = (
        select(m.c.new, item.project_id, item.points, item.commune_id)
        .join(m, m.c.old == item.ballot_id)
        .where(item.commune_id == commune_id)
        .order_by(m.c.n, item.project_id)
    )
    return (
        insert(_BALLOTS).from_select(_NEW_BALLOT, ballots),
        insert(_ITEMS).from_select(["ballot_id", "project_id", "points", "commune_id"], items),
    )


_REISSUE_ARRAYS = _reissue(
    func.unnest(
        bindparam("old", type_=ARRAY(Uuid)),
        bindparam("new", type_=ARRAY(Uuid)),
        bindparam("n", type_=ARRAY(Integer)),
    )
    .table_valued("old", "new", "n")
    .render_derived()
    .alias("reissued")
)
"""PostgreSQL: the mapping in three array parameters, whatever the number of ballots."""


class UrnRepository(CommuneScopedRepository[Ballot]):
    model = Ballot
    resource_name = "ballot"

    async def ids_of(self, budget_id: uuid.UUID, status: str) -> list[uuid.UUID]:
        stmt = select(Ballot.id).where(
            Ballot.commune_id == self.commune_id, Ballot.budget_id == budget_id, Ballot.status == status
        )
        found: list[uuid.UUID] = []
        async for partition in (await self.session.stream_scalars(stmt)).partitions(PARTITION):
            found.extend(partition)
        return found

    async def reissue_sealed(self, order: Sequence[uuid.UUID]) -> None:
        """Copy the ballots ``order`` (and their items) as sealed ballots under new random ids, at positions
        1..n in that order (Pabulib ``voter_id``: the position). The originals stay: delete them after.
        A chunk at a time, so the event loop serves requests while the database copies one."""
        bind = self.session.bind
        arrays = bind is not None and bind.dialect.name == "postgresql"
        size = ARRAY_CHUNK if arrays else CHUNK
        for start in range(0, len(order), size):
            old = order[start : start + size]
            new = [uuid.uuid4() for _ in old]
            n = list(range(start + 1, start + len(old) + 1))
            params: dict[str, Any] = {"commune_id": self.commune_id}
            if arrays:
                statements, params = _REISSUE_ARRAYS, {**params, "old": old, "new": new, "n": n}
            else:
                table = values(
                    column("old", Uuid), column("new", Uuid), column("n", Integer), name="reissued"
                )
                statements = _reissue(table.data(list(zip(old, new, n, strict=True))).cte("reissued"))
            for statement in statements:
                await self.session.execute(statement, params)

    async def sealed(self, budget_id: uuid.UUID, *, extra: bool) -> AsyncIterator[Sequence[SealedRow]]:
        """The sealed ballots (``id``, ``position``, ``voter_ref``, ``channel`` and, if ``extra``, the
        imported voter columns, else None) in urn order, a partition at a time."""
        stmt = (
            select(
                Ballot.id,
                Ballot.position,
                Ballot.voter_ref,
                Ballot.channel,
                Ballot.extra if extra else null(),
            )
            .where(
                Ballot.commune_id == self.commune_id, Ballot.budget_id == budget_id, Ballot.status == SEALED
            )
            .order_by(Ballot.position, Ballot.id)
        )
        async for partition in (await self.session.stream(stmt)).partitions(PARTITION):
            yield partition

    async def sealed_items(self, budget_id: uuid.UUID) -> AsyncIterator[Sequence[ItemRow]]:
        """(ballot id, project id, points) of every sealed ballot of the budget, a partition at a time."""
        stmt = (
            select(BallotItem.ballot_id, BallotItem.project_id, BallotItem.points)
            .join(Ballot, Ballot.id == BallotItem.ballot_id)
            .where(
                Ballot.commune_id == self.commune_id, Ballot.budget_id == budget_id, Ballot.status == SEALED
            )
        )
        async for partition in (await self.session.stream(stmt)).partitions(PARTITION):
            yield partition

    async def insert_all(
        self, ballots: Sequence[dict[str, Any]], items: Sequence[dict[str, Any]], *, chunk: int = CHUNK
    ) -> None:
        """Insert many ballots and items (dicts of column values, ``commune_id`` added here), ``chunk``
        rows a statement (binding a statement's rows holds the event loop: smaller keeps it short)."""
        for rows, table in ((ballots, _BALLOTS), (items, _ITEMS)):
            for start in range(0, len(rows), chunk):
                batch = [{**row, "commune_id": self.commune_id} for row in rows[start : start + chunk]]
                await self.session.execute(insert(table), batch)
        if len(ballots) >= ANALYZE_AFTER and self.session.get_bind().dialect.name == "postgresql":
            # A bulk load into tables whose statistics say "empty" (a new deployment, or autovacuum not
            # there yet) makes PostgreSQL join the ballots and their items by nested loops over every row:
            # reading back 60,000 imported ballots took minutes. Fresh statistics make it a hash join.
            await self.session.execute(text(f"ANALYZE {_BALLOTS.name}, {_ITEMS.name}"))

    async def delete_of_budget(self, budget_id: uuid.UUID, statuses: Sequence[str]) -> None:
        await self.session.execute(
            delete(Ballot).where(
                Ballot.commune_id == self.commune_id,
                Ballot.budget_id == budget_id,
                Ballot.status.in_(list(statuses)),
            ),
            execution_options=NO_SYNC,
        )


class ExportRepository(CommuneScopedRepository[BallotExport]):
    model = BallotExport
    resource_name = "ballot export"

    async def of_budget(self, budget_id: uuid.UUID) -> BallotExport | None:
        return await self.first(self.base_statement().where(BallotExport.budget_id == budget_id))


class CountRunRepository(CommuneScopedRepository[CountRun]):
    model = CountRun
    resource_name = "count run"

    async def of_budget(self, budget_id: uuid.UUID, run_id: uuid.UUID) -> CountRun | None:
        return await self.first(
            self.base_statement().where(CountRun.budget_id == budget_id, CountRun.id == run_id)
        )

    async def latest(self, budget_id: uuid.UUID, limit: int) -> list[CountRun]:
        """The budget's runs, newest first."""
        return await self.all(
            self.base_statement()
            .where(CountRun.budget_id == budget_id)
            .order_by(CountRun.created_at.desc(), CountRun.id)
            .limit(limit)
        )

    async def fail_abandoned(self, budget_id: uuid.UUID, cutoff: datetime, error: str) -> None:
        """Mark ``failed`` the budget's runs queued, or running without a sign of life, since before
        ``cutoff`` (one statement)."""
        last_sign = func.coalesce(CountRun.heartbeat_at, CountRun.started_at, CountRun.created_at)
        await self.session.execute(
            update(CountRun)
            .where(
                CountRun.commune_id == self.commune_id,
                CountRun.budget_id == budget_id,
                or_(
                    and_(CountRun.status == "queued", CountRun.created_at < cutoff),
                    and_(CountRun.status == "running", last_sign < cutoff),
                ),
            )
            .values(status="failed", finished_at=utcnow(), error=error),
            execution_options=NO_SYNC,
        )

    async def beat(self, run_id: uuid.UUID) -> None:
        """Record that a running run is still being counted."""
        await self.session.execute(
            update(CountRun)
            .where(
                CountRun.commune_id == self.commune_id, CountRun.id == run_id, CountRun.status == "running"
            )
            .values(heartbeat_at=utcnow()),
            execution_options=NO_SYNC,
        )
