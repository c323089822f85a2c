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
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

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
    occurred_at: datetime = field(default_factory=lambda: _occurrence())


_last_occurrence = datetime.min.replace(tzinfo=UTC)


def _occurrence() -> datetime:
    """Now, but later than any event this process created before: events published one after the other
    (in one unit of work, within a microsecond) keep their order when the outbox orders them by time."""
    global _last_occurrence
    now = utcnow()
    if now <= _last_occurrence:
        now = _last_occurrence + timedelta(microseconds=1)
    _last_occurrence = now
    return now


Handler = Callable[[Event, "AsyncSession"], Awaitable[None]]

M = TypeVar("M", bound=BaseModel)


def payload_as(event: Event, model: type[M]) -> M | None:
    """The event's payload read as ``model`` (a subscriber's view of another module's contract: the keys
    it reads), or ``None``, logged, when the payload does not fit it (the subscriber then ignores it)."""
    try:
        return model.model_validate(event.payload)
    except ValidationError:
        log.warning("ignoring %s event with an unexpected payload", event.name)
        return None


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
        """Right after the commit that published ``events``: deliver each to its subscribers. The commit
        stands whatever happens here: what is not delivered stays in the outbox for the sweep."""
        try:
            await self._deliver_all([(event, durable, set()) for event, durable in events], db, now=utcnow())
        except Exception:
            log.exception("delivering events after their commit failed; the outbox keeps them for the sweep")

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
            taken = await store.taken_by(session, [event.id for event in claimed])
        await self._deliver_all([(event, True, taken[event.id]) for event in claimed], db, now=now)
        return len(claimed)

    async def keep_redelivering(self, db: Database, seconds: float) -> None:
        """Run :meth:`redeliver_due` now and every ``seconds`` (a task of the app's lifespan); delete what
        was set aside long ago (:data:`~civicapi.core.event_store.SET_ASIDE_KEPT`)."""
        while True:
            try:
                while await self.redeliver_due(db) > 0:
                    pass
                await self.purge_set_aside(db, now=utcnow())
            except Exception:
                log.exception("redelivering events failed; trying again in %s s", seconds)
            await asyncio.sleep(seconds)

    async def purge_set_aside(self, db: Database, *, now: datetime) -> int:
        """Delete the events set aside more than :data:`~civicapi.core.event_store.SET_ASIDE_KEPT` before
        ``now``, payloads and all; how many (a write only when there are some)."""
        async with db.unit_of_work(readonly=True) as session:
            stale = await store.stale_set_aside(session, now=now)
        if stale:
            async with db.unit_of_work() as session:
                await store.finish(session, stale)
            log.warning("deleted %s event(s) set aside more than %s ago", len(stale), store.SET_ASIDE_KEPT)
        return len(stale)

    async def _recipients(
        self, event: Event, db: Database, enabled_of: dict[uuid.UUID, set[str] | None]
    ) -> list[Subscription]:
        subs = self._subscriptions.get(event.name, [])
        enabled: set[str] | None = None
        if event.commune_id is None:
            enabled = set()
        elif self._recipient_filter is not None and any(s.module_key for s in subs):
            if event.commune_id not in enabled_of:
                async with db.sessionmaker() as session:
                    enabled_of[event.commune_id] = await self._recipient_filter(session, event.commune_id)
            enabled = enabled_of[event.commune_id]
        return [sub for sub in subs if sub.module_key is None or enabled is None or sub.module_key in enabled]

    async def _deliver_all(
        self, batch: list[tuple[Event, bool, set[str]]], db: Database, *, now: datetime
    ) -> None:
        """Deliver ``batch`` (in order: event, written to the outbox, subscribers that took it already), then
        record in one unit of work what became of the outbox's events."""
        order = _Order(self, db, [event for event, durable, _taken in batch if durable])
        enabled_of: dict[uuid.UUID, set[str] | None] = {}
        done: list[uuid.UUID] = []
        waiting: list[uuid.UUID] = []
        failures: list[tuple[Event, str]] = []
        for event, durable, taken in batch:
            error: str | None = None
            held = False
            for sub in await self._recipients(event, db, enabled_of):
                if sub.key in taken:
                    continue
                if durable and await order.must_wait(event, sub.key):
                    held = True
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
                    if durable:
                        order.left(event, sub.key)
            if durable:
                if error is not None:
                    failures.append((event, error))
                else:
                    (waiting if held else done).append(event.id)
        if done or waiting or failures:
            await self._record(db, done, waiting, failures, now=now)

    async def _record(
        self,
        db: Database,
        done: list[uuid.UUID],
        waiting: list[uuid.UUID],
        failures: list[tuple[Event, str]],
        *,
        now: datetime,
    ) -> None:
        try:
            async with db.unit_of_work() as session:
                await store.finish(session, done)
                await store.postpone(session, waiting, now=now)
                attempts = [
                    (event, await store.failed(session, event.id, error, now=now))
                    for event, error in failures
                ]
        except Exception:
            log.exception("recording the delivery of events failed; a sweep delivers them again")
            return
        for event, count in attempts:
            if count is not None and count >= store.MAX_ATTEMPTS:
                log.error(
                    "event set aside after %s failed deliveries (see core_event)",
                    count,
                    extra={"event": event.name, "event_id": str(event.id)},
                )


class _Order:
    """Each subscriber gets a commune's events in the order they occurred: within one delivery, an event
    waits for a subscriber while an older event of its commune is in the outbox and not taken by it (one
    read per commune; what this delivery leaves untaken counts too). Platform events (no commune: mail)
    keep no order, so one that keeps failing holds up no other."""

    def __init__(self, bus: EventBus, db: Database, events: list[Event]) -> None:
        self.bus = bus
        self.db = db
        self.ids = {event.id for event in events}
        self.until: dict[uuid.UUID, datetime] = {}
        for event in events:
            if event.commune_id is not None:
                self.until[event.commune_id] = max(
                    self.until.get(event.commune_id, event.occurred_at), event.occurred_at
                )
        self.pending: dict[uuid.UUID, list[store.Pending]] = {}
        self.untaken: dict[uuid.UUID, set[str]] = {}
        """Per commune, subscribers this delivery left an event to (failed, or waiting)."""

    async def must_wait(self, event: Event, key: str) -> bool:
        commune = event.commune_id
        if commune is None:
            return False
        if key in self.untaken.get(commune, ()):
            return True
        if commune not in self.pending:
            async with self.db.unit_of_work(readonly=True) as session:
                self.pending[commune] = await store.pending_of(
                    session, commune, until=self.until[commune], besides=self.ids
                )
        for older in self.pending[commune]:
            if (
                (older.occurred_at, older.id) < (event.occurred_at, event.id)
                and key not in older.taken
                and any(sub.key == key for sub in self.bus.subscriptions(older.name))
            ):
                self.left(event, key)
                return True
        return False

    def left(self, event: Event, key: str) -> None:
        if event.commune_id is not None:
            self.untaken.setdefault(event.commune_id, set()).add(key)
