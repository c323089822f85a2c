"""The event bus delivers after commit, drops on rollback, and reaches only modules enabled for the commune."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.session import Database
from civicapi.core.event_store import EventRecord
from civicapi.core.events import Event, EventBus
from tests.fixtures.factories import enable, make_commune


async def test_delivery_after_commit_only_to_enabled_modules(db: Database, app: Any) -> None:
    alpha = await make_commune(db, "alpha")
    received: list[tuple[str, str]] = []

    async def platform_handler(event: Event, session: AsyncSession) -> None:
        received.append(("platform", event.name))

    async def module_handler(event: Event, session: AsyncSession) -> None:
        received.append(("example", event.name))

    bus: EventBus = app.state.db.bus
    bus.subscribe("test.happened", platform_handler)
    bus.subscribe("test.happened", module_handler, module_key="example")

    async with db.unit_of_work() as session:
        EventBus.publish(session, Event("test.happened", alpha.id))
        assert received == []  # nothing leaves before the commit
    assert received == [("platform", "test.happened")]  # example is not enabled for alpha

    await enable(db, app, alpha, "example")
    received.clear()
    async with db.unit_of_work() as session:
        EventBus.publish(session, Event("test.happened", alpha.id))
    assert sorted(received) == [("example", "test.happened"), ("platform", "test.happened")]
    async with db.unit_of_work(readonly=True) as session:  # taken by all it was meant for: out of the outbox
        assert await session.scalar(select(func.count()).select_from(EventRecord)) == 0


async def test_rollback_drops_events(db: Database, app: Any) -> None:
    alpha = await make_commune(db, "alpha")
    received: list[Event] = []

    async def handler(event: Event, session: AsyncSession) -> None:
        received.append(event)

    db.bus.subscribe("test.dropped", handler)
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            EventBus.publish(session, Event("test.dropped", alpha.id))
            raise RuntimeError("boom")
    assert received == []


async def test_a_failing_subscriber_does_not_undo_the_publisher(db: Database, app: Any) -> None:
    alpha = await make_commune(db, "alpha")
    calls: list[str] = []

    async def bad(event: Event, session: AsyncSession) -> None:
        raise ValueError("subscriber bug")

    async def good(event: Event, session: AsyncSession) -> None:
        calls.append("good")

    db.bus.subscribe("test.partial", bad)
    db.bus.subscribe("test.partial", good)
    async with db.unit_of_work() as session:
        EventBus.publish(session, Event("test.partial", alpha.id))
    assert calls == ["good"]
