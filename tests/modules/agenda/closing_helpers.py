"""Builders for the tests of the closing and reminders: proposals the agenda hears of (the proposals
module's events, as that module publishes them), and a recorder of the agenda's events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.session import Database
from civicapi.core.events import Event, EventBus
from civicapi.modules.agenda.demo import add_registration
from civicapi.modules.agenda.models import Meeting


def proposal_payload(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "version": 1,
        "proposal_id": str(uuid.uuid4()),
        "reference": "ALPHA-PROP-2026-1",
        "component_id": str(uuid.uuid4()),
        "process_id": str(uuid.uuid4()),
        "title": {"fr": "Un banc sur la place"},
        "category": None,
        "district": None,
        "address": None,
        "latitude": None,
        "longitude": None,
        "official": False,
        "author_names": ["Anne"],
        "body": {"fr": "Un banc."},
        "published_at": "2026-05-01T10:00:00+00:00",
    }
    return base | fields


async def publish_proposal(
    db: Database, commune_id: uuid.UUID, name: str = "proposals.published", **fields: Any
) -> str:
    """A ``proposals.*`` event for a proposal of the commune (the agenda must be enabled there to hear it);
    the proposal's id."""
    data = proposal_payload(**fields)
    async with db.unit_of_work() as session:
        EventBus.publish(session, Event(name, commune_id, data, source_module="proposals"))
    return str(data["proposal_id"])


def record_events(db: Database, name: str) -> list[Event]:
    """The events ``name`` published from now on (heard as the platform hears them: always delivered)."""
    heard: list[Event] = []

    async def hear(event: Event, _session: AsyncSession) -> None:
        heard.append(event)

    db.bus.subscribe(name, hear)
    return heard


async def register(
    db: Database, meeting_id: object, user_id: uuid.UUID, *, status: str = "registered"
) -> None:
    """A registration of the person for the meeting, written as a row (the registrations use case has its
    own tests); the meeting's counters follow."""
    async with db.unit_of_work() as session:
        meeting = await session.get(Meeting, uuid.UUID(str(meeting_id)))
        assert meeting is not None
        add_registration(session, meeting, user_id, status)


async def emit_meeting_closed(db: Database, commune_id: uuid.UUID, **fields: Any) -> None:
    """An ``agenda.meeting_closed`` event as the agenda publishes it (for its subscribers' tests)."""
    now = datetime.now(UTC)
    data = {
        "version": 1,
        "meeting_id": str(uuid.uuid4()),
        "component_id": str(uuid.uuid4()),
        "process_id": str(uuid.uuid4()),
        "title": {"fr": "Réunion"},
        "start_at": (now - timedelta(days=1)).isoformat(),
        "end_at": (now - timedelta(hours=22)).isoformat(),
        "closed_at": now.isoformat(),
        "first": True,
        "public": True,
        "proposal_ids": [],
        "removed_proposal_ids": [],
        **fields,
    }
    async with db.unit_of_work() as session:
        EventBus.publish(session, Event("agenda.meeting_closed", commune_id, data, source_module="agenda"))
