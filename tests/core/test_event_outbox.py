"""The event bus's outbox: an event with subscribers is written with the transaction that publishes it, and
delivered again (to the subscribers that have not taken it) until all have, or it is set aside."""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.cli import _events
from civicapi.config import Settings
from civicapi.core import event_store as store
from civicapi.core.audit import AuditEntry
from civicapi.core.db.base import utcnow
from civicapi.core.db.memo import DB_KEY
from civicapi.core.db.session import Database
from civicapi.core.event_store import EventDelivery, EventRecord
from civicapi.core.events import Event, EventBus
from civicapi.main import create_app
from civicapi.registry import load_modules
from tests.fixtures.factories import enable, make_commune

AFTER_GRACE = store.GRACE + timedelta(seconds=1)


async def _count(db: Database, model: Any) -> int:
    async with db.unit_of_work(readonly=True) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _record(db: Database, event_id: uuid.UUID) -> EventRecord | None:
    async with db.unit_of_work(readonly=True) as session:
        return await session.get(EventRecord, event_id)


async def _committed_not_delivered(db: Database, *events: Event) -> None:
    """What a process that stopped between its commit and the delivery leaves behind."""
    async with db.sessionmaker() as session:
        session.info[DB_KEY] = db
        for event in events:
            EventBus.publish(session, event)
        EventBus.take_pending(session)
        await session.commit()


def _trail(session: AsyncSession, commune_id: uuid.UUID, event: Event) -> None:
    session.add(
        AuditEntry(
            commune_id=commune_id,
            actor_type="system",
            action=f"test.{event.id}",
            resource_module="test",
            resource_type="event",
        )
    )


async def test_an_event_is_written_with_its_commit_and_goes_once_delivered(db: Database, app: Any) -> None:
    alpha = await make_commune(db, "alpha")
    seen: list[bool] = []

    async def handler(event: Event, session: AsyncSession) -> None:
        seen.append(await session.get(EventRecord, event.id) is not None)

    db.bus.subscribe("test.kept", handler)
    async with db.unit_of_work() as session:
        EventBus.publish(session, Event("test.kept", alpha.id, {"id": uuid.uuid4()}))
        EventBus.publish(session, Event("test.nobody_listens", alpha.id))
    assert seen == [True]  # committed with the publisher, before the delivery
    assert await _count(db, EventRecord) == 0  # taken by every subscriber: gone
    assert await _count(db, EventDelivery) == 0


async def test_a_rolled_back_event_is_never_written(db: Database, app: Any) -> None:
    alpha = await make_commune(db, "alpha")

    async def handler(event: Event, session: AsyncSession) -> None:
        raise AssertionError("never delivered")

    db.bus.subscribe("test.dropped", handler)
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            EventBus.publish(session, Event("test.dropped", alpha.id))
            await session.flush()
            raise RuntimeError("boom")
    assert await _count(db, EventRecord) == 0
    assert await db.bus.redeliver_due(db, now=utcnow() + timedelta(days=1)) == 0


async def test_a_failed_subscriber_gets_the_event_again_and_only_it(db: Database, app: Any) -> None:
    alpha = await make_commune(db, "alpha")
    calls: Counter[str] = Counter()

    async def steady(event: Event, session: AsyncSession) -> None:
        calls["steady"] += 1
        _trail(session, alpha.id, event)

    async def flaky(event: Event, session: AsyncSession) -> None:
        calls["flaky"] += 1
        _trail(session, alpha.id, event)  # undone with the failure
        if calls["flaky"] == 1:
            raise ConnectionError("the other side is down")

    db.bus.subscribe("test.flaky", steady)
    db.bus.subscribe("test.flaky", flaky)
    event = Event("test.flaky", alpha.id, {"n": 1})
    async with db.unit_of_work() as session:
        EventBus.publish(session, event)
    assert calls == {"steady": 1, "flaky": 1}
    record = await _record(db, event.id)
    assert record is not None and record.attempts == 1 and record.abandoned_at is None
    assert "ConnectionError" in (record.last_error or "") and "flaky" in (record.last_error or "")
    assert record.due_at - utcnow() > store.FIRST_RETRY - timedelta(seconds=5)

    assert await db.bus.redeliver_due(db) == 0  # not due yet
    assert await db.bus.redeliver_due(db, now=utcnow() + store.FIRST_RETRY + timedelta(seconds=1)) == 1
    assert calls == {"steady": 1, "flaky": 2}  # only the subscriber that had not taken it
    assert await _count(db, EventRecord) == 0
    async with db.unit_of_work(readonly=True) as session:
        written = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == f"test.{event.id}")
        )
    assert written == 2  # steady's and flaky's second (its first was rolled back)


async def test_an_event_left_by_a_stopped_process_is_delivered_by_the_sweep(db: Database, app: Any) -> None:
    alpha = await make_commune(db, "alpha")
    received: list[Event] = []

    async def handler(event: Event, session: AsyncSession) -> None:
        received.append(event)

    db.bus.subscribe("test.orphan", handler)
    event = Event("test.orphan", alpha.id, {"project_id": uuid.uuid4(), "title": {"fr": "Parc"}})
    await _committed_not_delivered(db, event)
    assert await db.bus.redeliver_due(db) == 0  # left to the publisher for GRACE
    assert await db.bus.redeliver_due(db, now=utcnow() + AFTER_GRACE) == 1
    [again] = received
    assert (again.id, again.name, again.commune_id) == (event.id, event.name, event.commune_id)
    assert again.payload == {"project_id": str(event.payload["project_id"]), "title": {"fr": "Parc"}}
    assert again.occurred_at == event.occurred_at
    assert await _count(db, EventRecord) == 0


async def test_an_event_failing_every_time_is_set_aside_then_retried_on_request(
    db: Database, app: Any, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    alpha = await make_commune(db, "alpha")
    calls: list[datetime] = []

    async def broken(event: Event, session: AsyncSession) -> None:
        calls.append(utcnow())
        raise ValueError("subscriber bug")

    db.bus.subscribe("test.broken", broken)
    event = Event("test.broken", alpha.id)
    await _committed_not_delivered(db, event)
    now = utcnow()
    with caplog.at_level(logging.ERROR, logger="civicapi.core.events"):
        for _ in range(store.MAX_ATTEMPTS + 3):
            now += store.LONGEST_RETRY + store.GRACE
            await db.bus.redeliver_due(db, now=now)
    assert len(calls) == store.MAX_ATTEMPTS
    record = await _record(db, event.id)
    assert record is not None and record.attempts == store.MAX_ATTEMPTS and record.abandoned_at is not None
    assert [r for r in caplog.records if "set aside" in r.getMessage()]

    # What an operator sees and does (`civicapi events --retry`).
    lines = await _events(database_url, retry=True)
    assert lines[0] == "0 event(s) waiting for delivery, 1 set aside"
    assert (
        str(event.id) in lines[1] and "test.broken" in lines[1] and "ValueError: subscriber bug" in lines[1]
    )
    assert lines[2].startswith("1 set-aside event(s) due again")
    assert (await _events(database_url, retry=False))[0] == "1 event(s) waiting for delivery, 0 set aside"
    assert await db.bus.redeliver_due(db, now=now) == 1
    assert len(calls) == store.MAX_ATTEMPTS + 1

    # Set aside again, it is kept SET_ASIDE_KEPT for an operator, then deleted with its payload.
    async with db.unit_of_work() as session:
        record = await session.get(EventRecord, event.id)
        assert record is not None
        record.abandoned_at = now
    assert await db.bus.purge_set_aside(db, now=now + store.SET_ASIDE_KEPT) == 0
    assert await db.bus.purge_set_aside(db, now=now + store.SET_ASIDE_KEPT + timedelta(seconds=1)) == 1
    assert await _count(db, EventRecord) == 0


async def test_a_delivery_that_breaks_after_the_commit_leaves_the_event_to_the_sweep(
    db: Database, app: Any
) -> None:
    alpha = await make_commune(db, "alpha")
    await enable(db, app, alpha, "example")
    received: list[uuid.UUID] = []

    async def handler(event: Event, session: AsyncSession) -> None:
        received.append(event.id)

    async def unreachable(session: AsyncSession, commune_id: uuid.UUID) -> set[str]:
        raise ConnectionError("the database went away")

    db.bus.subscribe("test.later", handler, module_key="example")
    working = db.bus._recipient_filter
    assert working is not None
    db.bus.set_recipient_filter(unreachable)
    event = Event("test.later", alpha.id)
    async with db.unit_of_work() as session:  # the commit stands: no error for the publisher
        EventBus.publish(session, event)
    assert received == [] and await _record(db, event.id) is not None
    db.bus.set_recipient_filter(working)
    assert await db.bus.redeliver_due(db, now=utcnow() + AFTER_GRACE) == 1
    assert received == [event.id] and await _count(db, EventRecord) == 0


def test_events_created_one_after_the_other_occur_in_that_order(monkeypatch: pytest.MonkeyPatch) -> None:
    stopped = utcnow() - timedelta(days=1)  # a clock that does not move (or moves coarsely)
    monkeypatch.setattr("civicapi.core.events.utcnow", lambda: stopped)
    # (set here so that it is put back after the test: later events take the real time again)
    monkeypatch.setattr("civicapi.core.events._last_occurrence", stopped - timedelta(seconds=1))
    times = [Event("test.quick", None).occurred_at for _ in range(100)]
    assert all(a < b for a, b in itertools.pairwise(times)) and times[0] == stopped


def test_the_delay_grows_to_an_hour() -> None:
    delays = [store.backoff(n) for n in range(1, 10)]
    assert delays[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert delays == sorted(delays) and delays[-1] == store.LONGEST_RETRY


async def test_racing_sweeps_deliver_each_event_once_and_in_order(db: Database, app: Any) -> None:
    alpha = await make_commune(db, "alpha")
    delivered: list[uuid.UUID] = []

    async def handler(event: Event, session: AsyncSession) -> None:
        delivered.append(event.id)
        _trail(session, alpha.id, event)
        await asyncio.sleep(0.01)  # let the other sweeps run meanwhile

    db.bus.subscribe("test.raced", handler)
    start = utcnow()
    events = [
        Event("test.raced", alpha.id, {"n": n}, occurred_at=start + timedelta(microseconds=n))
        for n in range(20)
    ]
    await _committed_not_delivered(db, *events)
    now = start + AFTER_GRACE
    for _round in range(25):
        await asyncio.gather(*(db.bus.redeliver_due(db, now=now, limit=3) for _ in range(12)))
        if await _count(db, EventRecord) == 0:
            break
        now += store.FIRST_RETRY  # events held back behind an older one another sweep had: due again
    assert delivered == [event.id for event in events]  # each once, oldest first
    async with db.unit_of_work(readonly=True) as session:
        trails = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.resource_module == "test")
        )
    assert trails == 20


async def test_a_newer_event_waits_for_an_older_one_its_subscriber_failed(db: Database, app: Any) -> None:
    alpha, beta = await make_commune(db, "alpha"), await make_commune(db, "beta")
    order: dict[str, list[int]] = {"steady": [], "flaky": []}
    failing = {1}

    async def steady(event: Event, session: AsyncSession) -> None:
        order["steady"].append(event.payload["n"])

    async def flaky(event: Event, session: AsyncSession) -> None:
        if event.payload["n"] in failing:
            raise ConnectionError("down")
        order["flaky"].append(event.payload["n"])

    db.bus.subscribe("test.ordered", steady)
    db.bus.subscribe("test.ordered", flaky)
    for n, commune in ((1, alpha), (2, alpha), (3, beta)):
        async with db.unit_of_work() as session:
            EventBus.publish(session, Event("test.ordered", commune.id, {"n": n}))
    # 2 waits behind 1 for flaky only; beta's 3 does not wait for alpha's events.
    assert order == {"steady": [1, 2, 3], "flaky": [3]}
    failing.clear()
    now = utcnow() + store.FIRST_RETRY + timedelta(seconds=1)
    assert await db.bus.redeliver_due(db, now=now) == 2
    assert order == {"steady": [1, 2, 3], "flaky": [3, 1, 2]}
    assert await _count(db, EventRecord) == 0

    # Within one unit of work's events too: 5 waits for 4, which flaky failed a moment before.
    failing.add(4)
    async with db.unit_of_work() as session:
        EventBus.publish(session, Event("test.ordered", alpha.id, {"n": 4}))
        EventBus.publish(session, Event("test.ordered", alpha.id, {"n": 5}))
    assert order["flaky"] == [3, 1, 2] and order["steady"][-2:] == [4, 5]
    failing.clear()
    assert await db.bus.redeliver_due(db, now=utcnow() + store.FIRST_RETRY + timedelta(seconds=1)) == 2
    assert order["flaky"] == [3, 1, 2, 4, 5]


async def test_the_app_sweeps_unless_it_is_told_not_to(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    alpha = await make_commune(db, "alpha")
    received: list[uuid.UUID] = []

    async def handler(event: Event, session: AsyncSession) -> None:
        received.append(event.id)

    for seconds, expected in ((0.0, 0), (60.0, 1)):
        app = create_app(
            settings.model_copy(update={"event_retry_seconds": seconds}),
            registry=load_modules(None),
            database=db,
        )
        db.bus.subscribe("test.at_start", handler)
        old = Event("test.at_start", alpha.id, occurred_at=utcnow() - AFTER_GRACE)
        await _committed_not_delivered(db, old)
        async with app.router.lifespan_context(app):
            for _ in range(250):  # up to 5 s on a slow machine
                if old.id in received and await _record(db, old.id) is None:
                    break
                await asyncio.sleep(0.02)
        assert received.count(old.id) == expected
        # The sweep ran without failing. (Only its own log: a task cancelled at shutdown in the middle of a
        # rollback makes SQLAlchemy's pool log an error of its own.)
        assert not [
            r for r in caplog.records if r.name == "civicapi.core.events" and r.levelno >= logging.ERROR
        ]
        assert await _count(db, EventRecord) == 1 - expected
        async with db.unit_of_work() as session:
            await store.finish(session, [old.id])  # (the first round's, left there)
