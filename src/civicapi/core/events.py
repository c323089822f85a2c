"""In-process event bus with a durable outbox: events are recorded on the session, delivered after commit,
dropped on rollback, and redelivered until every subscriber has taken them.

Delivery goes only to subscribers whose module is enabled for the event's commune; the rule that says
which modules are enabled lives above the core and is installed with :meth:`EventBus.set_recipient_filter`.
Each subscriber runs in a unit of work of its own: a failing subscriber is logged and rolled back, and
never undoes the transaction that published the event nor what other subscribers did.

An event with subscribers is also written to ``core_event`` in the publishing transaction
(:mod:`civicapi.core.event_store`). The publishing process delivers it right after its commit; whatever
that leaves undelivered (a subscriber that failed, a process that stopped in between) a sweep delivers
later (:meth:`EventBus.redeliver_due`, run by :meth:`EventBus.keep_redelivering` in every process), only
to the subscribers that have not taken it yet. Each subscriber gets a commune's events in the order they
occurred: a newer event waits while an older one is due again for it. Subscribers must therefore accept
an event they may see again after a failure of their own (what they wrote is rolled back with the
failure; what they did outside the database, such as sending mail, is not).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from civicapi.core import event_store as store
from civicapi.core.db.base import utcnow
from civicapi.core.db.memo import DB_KEY

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from civicapi.core.db.session import Database

log = logging.getLogger(__name__)

_PENDING = "civicapi_pending_events"


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened. ``name`` is dotted and owned by its module: ``proposals.accepted``."""

    name: str
    commune_id: uuid.UUID | None
    """``None`` for platform-wide events (accounts): only platform subscribers receive those."""
    payload: dict[str, Any] = field(default_factory=dict)
    source_module: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=utcnow)


Handler = Callable[[Event, "AsyncSession"], Awaitable[None]]
RecipientFilter = Callable[["AsyncSession", uuid.UUID], Awaitable[set[str]]]


@dataclass(frozen=True, slots=True)
class Subscription:
    event_name: str
    handler: Handler
    module_key: str | None = None
    """The subscribing module; ``None`` for the platform itself (always delivered)."""
    key: str = ""
    """Names the subscriber in ``core_event_delivery``: stable across processes and restarts."""


def subscriber_key(handler: Handler, module_key: str | None) -> str:
    """``<module or platform>:<handler's module>.<qualified name>`` (what :meth:`EventBus.subscribe`
    names a subscriber by default)."""
    name = f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', repr(handler))}"
    return f"{module_key or 'platform'}:{name}"[:200]


PendingEvent = tuple[Event, bool]
"""An event published in a unit of work, and whether it was written to ``core_event`` with it."""


class EventBus:
    def __init__(self) -> None:
        self._subscriptions: dict[str, list[Subscription]] = defaultdict(list)
        self._recipient_filter: RecipientFilter | None = None

    def subscribe(
        self, event_name: str, handler: Handler, *, module_key: str | None = None, key: str | None = None
    ) -> None:
        """Deliver ``event_name`` to ``handler``. ``key`` names the subscriber in the outbox (by default
        :func:`subscriber_key`); subscribing again under a key the event has replaces that subscriber (an
        app built again on the same database)."""
        key = key or subscriber_key(handler, module_key)
        subs = self._subscriptions[event_name]
        subs[:] = [s for s in subs if s.key != key]
        subs.append(Subscription(event_name, handler, module_key, key))

    def set_recipient_filter(self, recipient_filter: RecipientFilter) -> None:
        self._recipient_filter = recipient_filter

    def subscriptions(self, event_name: str) -> list[Subscription]:
        return list(self._subscriptions.get(event_name, ()))

    @staticmethod
    def publish(session: AsyncSession, event: Event) -> None:
        """Record ``event`` in the session's unit of work; it leaves only if the unit commits. In a unit of
        work of :class:`~civicapi.core.db.session.Database`, an event that has subscribers is also written
        to the outbox, in the same transaction."""
        db = session.info.get(DB_KEY)
        durable = db is not None and bool(db.bus.subscriptions(event.name))
        if durable:
            session.add(
                store.EventRecord(
                    id=event.id,
                    name=event.name,
                    commune_id=event.commune_id,
                    source_module=event.source_module,
                    payload=store.json_payload(event.payload),
                    occurred_at=event.occurred_at,
                    due_at=event.occurred_at + store.GRACE,
                )
            )
        session.info.setdefault(_PENDING, []).append((event, durable))

    @staticmethod
    def take_pending(session: AsyncSession) -> list[PendingEvent]:
        events: list[PendingEvent] = session.info.pop(_PENDING, [])
        return events

    async def deliver(self, events: list[PendingEvent], db: Database) -> None:
        """Right after the commit that published ``events``: deliver each to its subscribers."""
        for event, durable in events:
            await self._deliver(event, db, durable=durable, taken=set())

    async def redeliver_due(self, db: Database, *, now: datetime | None = None, limit: int = 100) -> int:
        """Deliver the outbox's events due at ``now`` (left by a failed subscriber or a stopped process) to
        the subscribers that have not taken them; how many events were tried."""
        now = now or utcnow()
        async with db.unit_of_work(readonly=True) as session:
            if not await store.any_due(session, now=now):
                return 0
        async with db.unit_of_work() as session:
            claimed = [
                Event(r.name, r.commune_id, r.payload, r.source_module, r.id, r.occurred_at)
                for r in await store.claim_due(session, now=now, limit=limit)
            ]
        for event in claimed:
            async with db.unit_of_work(readonly=True) as session:
                taken = await store.delivered_to(session, event.id)
            await self._deliver(event, db, durable=True, taken=taken, now=now)
        return len(claimed)

    async def keep_redelivering(self, db: Database, seconds: float) -> None:
        """Run :meth:`redeliver_due` now and every ``seconds`` (a task of the app's lifespan)."""
        while True:
            try:
                while await self.redeliver_due(db) > 0:
                    pass
            except Exception:
                log.exception("redelivering events failed; trying again in %s s", seconds)
            await asyncio.sleep(seconds)

    async def _recipients(self, event: Event, db: Database) -> list[Subscription]:
        subs = self._subscriptions.get(event.name, [])
        enabled: set[str] | None = None
        if event.commune_id is None:
            enabled = set()
        elif self._recipient_filter is not None and any(s.module_key for s in subs):
            async with db.sessionmaker() as session:
                enabled = await self._recipient_filter(session, event.commune_id)
        return [sub for sub in subs if sub.module_key is None or enabled is None or sub.module_key in enabled]

    async def _held_back(self, event: Event, db: Database, recipients: list[Subscription]) -> set[str]:
        """The recipients that must first take an older event of the same commune still in the outbox
        (each subscriber gets a commune's events in the order they occurred)."""
        if event.commune_id is None:
            return set()  # platform events (mail) keep no order: one that keeps failing holds up no other
        async with db.unit_of_work(readonly=True) as session:
            older = await store.older_pending(
                session, commune_id=event.commune_id, occurred_at=event.occurred_at, event_id=event.id
            )
        keys = {sub.key for sub in recipients}
        return {
            sub.key
            for _id, name, taken in older
            for sub in self._subscriptions.get(name, ())
            if sub.key in keys and sub.key not in taken
        }

    async def _deliver(
        self, event: Event, db: Database, *, durable: bool, taken: set[str], now: datetime | None = None
    ) -> None:
        error: str | None = None
        recipients = await self._recipients(event, db)
        held = await self._held_back(event, db, recipients) if durable else set()
        for sub in recipients:
            if sub.key in taken or sub.key in held:
                continue
            try:
                async with db.unit_of_work() as session:
                    await sub.handler(event, session)
                    if durable:
                        session.add(store.EventDelivery(event_id=event.id, subscriber=sub.key))
            except Exception as exc:
                log.exception(
                    "event subscriber failed",
                    extra={"event": event.name, "event_id": str(event.id), "subscriber": sub.key},
                )
                error = error or f"{sub.key}: {type(exc).__name__}: {exc}"
        if not durable:
            return
        now = now or utcnow()
        try:
            async with db.unit_of_work() as session:
                if error is None and not held:
                    await store.finish(session, event.id)
                    return
                if error is None:
                    await store.postpone(session, event.id, now=now)
                    return
                attempts = await store.failed(session, event.id, error, now=now)
            if attempts is not None and attempts >= store.MAX_ATTEMPTS:
                log.error(
                    "event set aside after %s failed deliveries (see core_event)",
                    attempts,
                    extra={"event": event.name, "event_id": str(event.id)},
                )
        except Exception:
            log.exception("recording the delivery of an event failed; a sweep delivers it again")
