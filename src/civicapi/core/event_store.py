"""The event bus's durable half (a transactional outbox): an event with subscribers is written in the
transaction that publishes it, so it exists if and only if that transaction committed, and stays until
every subscriber it is meant for has taken it.

- ``core_event``: one row per event not yet taken by all its subscribers. ``due_at`` is when a sweep may
  deliver it (again): ``occurred_at`` + :data:`GRACE` at first (the publishing process delivers it right
  after its commit), then after each failure a growing delay (:func:`backoff`). After
  :data:`MAX_ATTEMPTS` failed deliveries it is set aside (``abandoned_at``) and logged as an error.
- ``core_event_delivery``: one row per (event, subscriber) that took it, written in the subscriber's own
  unit of work: what a subscriber writes and the record that it took the event commit together, so an
  event redelivered after a failure or a crash never reaches a subscriber twice through the database.
  (A subscriber acting outside the database, such as mail, may act twice if its process stops between
  acting and committing: at least once.)

The row and its deliveries go when the event is fully delivered: payloads (a mail's address and body)
are kept no longer than it takes to deliver them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Index, Select, String, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from civicapi.core.db.base import Base, utcnow

EVENT_TABLE = "core_event"
DELIVERY_TABLE = "core_event_delivery"

GRACE = timedelta(seconds=60)
"""How long a sweep leaves a new event to the process that published it (which delivers it at once)."""
LEASE = timedelta(minutes=5)
"""How long a sweep's claim on an event keeps other sweeps away (a sweep that stops mid-way is replaced)."""
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
SET_ASIDE_KEPT = timedelta(days=30)
"""How long a set-aside event stays for an operator to look at or retry before a sweep deletes it (with
its payload: a mail's address, body and any code in it)."""
MAX_ATTEMPTS = 10
"""Failed deliveries after which an event is set aside: about three hours after the first (30 s between
the first two, doubling, at most an hour)."""


class EventRecord(Base):
    __tablename__ = EVENT_TABLE
    __table_args__ = (Index("ix_core_event_due_at", "due_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    commune_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("communes_commune.id", ondelete="CASCADE"), index=True
    )
    source_module: Mapped[str | None] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
    due_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    abandoned_at: Mapped[datetime | None]


class EventDelivery(Base):
    __tablename__ = DELIVERY_TABLE

    event_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(f"{EVENT_TABLE}.id", ondelete="CASCADE"), primary_key=True
    )
    subscriber: Mapped[str] = mapped_column(String(200), primary_key=True)
    delivered_at: Mapped[datetime] = mapped_column(default=utcnow)


def json_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` as it reads back from the table (ids and times as strings), as every redelivery sees it."""
    loaded: dict[str, Any] = json.loads(json.dumps(payload, default=str))
    return loaded


def backoff(attempts: int) -> timedelta:
    """The delay before delivery number ``attempts + 1``: 30 s, doubling, at most an hour."""
    delay: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16)
    return min(delay, LONGEST_RETRY)


CHUNK = 500
"""Ids per statement (``IN``), well under SQLite's bound on parameters."""


def _chunks(ids: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
    return [list(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)]


async def taken_by(session: AsyncSession, event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    """The subscribers that took each of ``event_ids``."""
    taken: dict[uuid.UUID, set[str]] = {event_id: set() for event_id in event_ids}
    for chunk in _chunks(event_ids):
        rows = await session.execute(
            select(EventDelivery.event_id, EventDelivery.subscriber).where(EventDelivery.event_id.in_(chunk))
        )
        for event_id, subscriber in rows:
            taken[event_id].add(subscriber)
    return taken


@dataclass(frozen=True, slots=True)
class Pending:
    """An event of the outbox, as the ordering of a commune's events needs it."""

    id: uuid.UUID
    name: str
    occurred_at: datetime
    taken: set[str]


async def pending_of(
    session: AsyncSession, commune_id: uuid.UUID, *, until: datetime, besides: Set[uuid.UUID]
) -> list[Pending]:
    """The commune's events in the outbox that occurred at ``until`` or before, other than ``besides``,
    not set aside, with the subscribers that took them."""
    rows = list(
        await session.execute(
            select(EventRecord.id, EventRecord.name, EventRecord.occurred_at).where(
                EventRecord.commune_id == commune_id,
                EventRecord.abandoned_at.is_(None),
                EventRecord.occurred_at <= until,
            )
        )
    )
    rows = [row for row in rows if row.id not in besides]
    taken = await taken_by(session, [row.id for row in rows])
    return [Pending(row.id, row.name, row.occurred_at, taken[row.id]) for row in rows]


async def postpone(session: AsyncSession, event_ids: Sequence[uuid.UUID], *, now: datetime) -> None:
    """Due again after :data:`FIRST_RETRY`, attempts unchanged (they wait for an older event)."""
    for chunk in _chunks(event_ids):
        await session.execute(
            update(EventRecord).where(EventRecord.id.in_(chunk)).values(due_at=now + FIRST_RETRY),
            execution_options={"synchronize_session": False},
        )


async def finish(session: AsyncSession, event_ids: Sequence[uuid.UUID]) -> None:
    """Every subscriber took these events: they go, with their deliveries."""
    for chunk in _chunks(event_ids):
        await session.execute(delete(EventDelivery).where(EventDelivery.event_id.in_(chunk)))
        await session.execute(delete(EventRecord).where(EventRecord.id.in_(chunk)))


async def discard(session: AsyncSession, name: str, matches: Callable[[dict[str, Any]], bool]) -> int:
    """Delete the waiting events named ``name`` whose payload ``matches``, undelivered (personal data that
    must not leave any more: mail to an account being erased); how many."""
    rows = await session.execute(select(EventRecord.id, EventRecord.payload).where(EventRecord.name == name))
    ids = [row.id for row in rows if matches(row.payload)]
    await finish(session, ids)
    return len(ids)


async def failed(session: AsyncSession, event_id: uuid.UUID, error: str, *, now: datetime) -> int | None:
    """One more failed delivery: due again after :func:`backoff`, or set aside after :data:`MAX_ATTEMPTS`.
    The attempts so far (None: the event is gone, delivered meanwhile by another process)."""
    record = await session.get(EventRecord, event_id, with_for_update=True)
    if record is None:
        return None
    record.attempts += 1
    record.last_error = error[:500]
    record.due_at = now + backoff(record.attempts)
    if record.attempts >= MAX_ATTEMPTS:
        record.abandoned_at = now
    return record.attempts


def _due(now: datetime) -> Select[Any]:
    return select(EventRecord.id).where(EventRecord.due_at <= now, EventRecord.abandoned_at.is_(None))


async def any_due(session: AsyncSession, *, now: datetime) -> bool:
    return (await session.scalar(_due(now).limit(1))) is not None


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[EventRecord]:
    """Events due at ``now`` (not set aside), oldest first, taken for :data:`LEASE`: a concurrent sweep
    skips them (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: writers take turns)."""
    ids = list(
        await session.scalars(
            _due(now)
            .order_by(EventRecord.due_at, EventRecord.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    await session.execute(
        update(EventRecord).where(EventRecord.id.in_(ids)).values(due_at=now + LEASE),
        execution_options={"synchronize_session": False},
    )
    records = await session.scalars(
        select(EventRecord).where(EventRecord.id.in_(ids)).order_by(EventRecord.occurred_at, EventRecord.id)
    )
    return list(records)


async def pending_count(session: AsyncSession) -> int:
    """Events waiting for delivery (set-aside ones not counted)."""
    count = await session.scalar(select(func.count()).select_from(listing(set_aside=False).subquery()))
    return int(count or 0)


async def set_aside(session: AsyncSession) -> Sequence[EventRecord]:
    """Events set aside after :data:`MAX_ATTEMPTS` failures, oldest first."""
    rows = await session.scalars(listing(set_aside=True).order_by(EventRecord.occurred_at, EventRecord.id))
    return list(rows)


def listing(*, set_aside: bool | None = None, name: str | None = None) -> Select[Any]:
    """The outbox's events for an operator (``set_aside``: only those, or only the others)."""
    stmt = select(EventRecord)
    if set_aside is not None:
        stmt = stmt.where(
            EventRecord.abandoned_at.is_not(None) if set_aside else EventRecord.abandoned_at.is_(None)
        )
    if name is not None:
        stmt = stmt.where(EventRecord.name == name)
    return stmt


def _afresh(now: datetime) -> dict[str, Any]:
    """What a retry asked by an operator sets: due at ``now``, not set aside, attempts counted afresh."""
    return {"abandoned_at": None, "attempts": 0, "due_at": now}


async def retry_now(session: AsyncSession, event_id: uuid.UUID, *, now: datetime) -> EventRecord | None:
    """Make one waiting or set-aside event due at ``now``, its attempts counted afresh (None: no such
    event, delivered meanwhile)."""
    record = await session.get(EventRecord, event_id, with_for_update=True)
    if record is not None:
        for name, value in _afresh(now).items():
            setattr(record, name, value)
        await session.flush()
    return record


async def stale_set_aside(session: AsyncSession, *, now: datetime) -> list[uuid.UUID]:
    """The events set aside more than :data:`SET_ASIDE_KEPT` ago (to delete with :func:`finish`)."""
    rows = await session.scalars(
        select(EventRecord.id).where(EventRecord.abandoned_at < now - SET_ASIDE_KEPT)
    )
    return list(rows)


async def retry_set_aside(session: AsyncSession, *, now: datetime) -> int:
    """Make every set-aside event due now, with its attempts counted afresh; how many."""
    result = await session.execute(
        update(EventRecord).where(EventRecord.abandoned_at.is_not(None)).values(_afresh(now)),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)
