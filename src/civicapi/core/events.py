"""In-process event bus. Events are recorded on the session, delivered after commit, dropped on rollback.

Delivery goes only to subscribers whose module is enabled for the event's commune; the rule that says
which modules are enabled lives above the core and is installed with :meth:`EventBus.set_recipient_filter`.
Each subscriber runs in a unit of work of its own: a failing subscriber is logged and rolled back, and
never undoes the transaction that published the event.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from civicapi.core.db.base import utcnow

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


class EventBus:
    def __init__(self) -> None:
        self._subscriptions: dict[str, list[Subscription]] = defaultdict(list)
        self._recipient_filter: RecipientFilter | None = None

    def subscribe(self, event_name: str, handler: Handler, *, module_key: str | None = None) -> None:
        self._subscriptions[event_name].append(Subscription(event_name, handler, module_key))

    def set_recipient_filter(self, recipient_filter: RecipientFilter) -> None:
        self._recipient_filter = recipient_filter

    def subscriptions(self, event_name: str) -> list[Subscription]:
        return list(self._subscriptions.get(event_name, ()))

    @staticmethod
    def publish(session: AsyncSession, event: Event) -> None:
        """Record ``event`` in the session's unit of work; it leaves only if the unit commits."""
        session.info.setdefault(_PENDING, []).append(event)

    @staticmethod
    def take_pending(session: AsyncSession) -> list[Event]:
        events: list[Event] = session.info.pop(_PENDING, [])
        return events

    async def deliver(self, events: list[Event], db: Database) -> None:
        for ev in events:
            subs = self._subscriptions.get(ev.name, [])
            if not subs:
                continue
            enabled: set[str] | None = None
            if ev.commune_id is None:
                enabled = set()
            elif self._recipient_filter is not None and any(s.module_key for s in subs):
                async with db.sessionmaker() as session:
                    enabled = await self._recipient_filter(session, ev.commune_id)
            for sub in subs:
                if sub.module_key is not None and enabled is not None and sub.module_key not in enabled:
                    continue
                try:
                    async with db.unit_of_work() as session:
                        await sub.handler(ev, session)
                except Exception:
                    log.exception("event subscriber failed", extra={"event": ev.name, "event_id": str(ev.id)})
