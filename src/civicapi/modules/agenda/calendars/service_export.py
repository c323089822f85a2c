"""Exports: the meetings of a component or of the commune as open data (JSON pages, streamed CSV) and the
registrations of a meeting for the commune's team (streamed CSV, personal data: an audit entry each time).

Streamed CSVs are read in batches of :data:`BATCH` rows by (start, id) or arrival number, each batch in its
own short read-only unit of work: the export holds no database connection while the client reads, and its
size is not bounded by memory. The request's own unit of work is read-only (a GET), so the audit entry of
a registrations export is committed in its own unit of work before the first byte is sent: an export never
happens without its entry."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.audit import ModuleTrail, current_actor, set_actor
from civicapi.core.db.session import Database
from civicapi.core.pagination import Page, PageParams
from civicapi.core.tabular import csv_line
from civicapi.modules.agenda.calendars.repository import CalendarRepository, MeetingFilters
from civicapi.modules.agenda.calendars.schemas import MeetingExport
from civicapi.modules.agenda.calendars.service import check_filters
from civicapi.modules.agenda.models import EVERYONE, Meeting

BATCH = 500
TRAIL = ModuleTrail("agenda")
MULTILINGUAL = ("title", "description", "location")
PLAIN = tuple(f for f in MeetingExport.model_fields if f not in MULTILINGUAL)
REGISTRATION_COLUMNS = (
    "number",
    "status",
    "code",
    "display_name",
    "email",
    "public_participation",
    "registered_at",
    "confirmed_at",
    "checked_in_at",
    "cancelled_at",
)


def exported(meeting: Meeting) -> MeetingExport:
    closing = meeting.closed_at is not None and meeting.closing_visible
    return MeetingExport(
        id=meeting.id,
        component_id=meeting.component_id,
        status=meeting.status,
        official=meeting.official,
        title=meeting.title,
        description=meeting.description,
        start_at=meeting.start_at,
        end_at=meeting.end_at,
        meeting_type=meeting.meeting_type,
        location=meeting.location,
        address=meeting.address,
        latitude=meeting.latitude,
        longitude=meeting.longitude,
        online_url=meeting.online_url if meeting.online_url_visibility == EVERYONE else None,
        category=meeting.category,
        district=meeting.district,
        registration_mode=meeting.registration_mode,
        available_slots=meeting.available_slots,
        registrations_count=meeting.registrations_count,
        waiting_count=meeting.waiting_count,
        attendance_count=meeting.attendance_count,
        published_at=meeting.published_at,
        cancelled_at=meeting.cancelled_at,
        closed_at=meeting.closed_at if closing else None,
        attendees_count=meeting.attendees_count if closing else None,
        contributions_count=meeting.contributions_count if closing else None,
    )


async def open_data_page(
    session: AsyncSession,
    commune_id: uuid.UUID,
    filters: MeetingFilters,
    params: PageParams,
    *,
    component_id: uuid.UUID | None = None,
) -> Page[MeetingExport]:
    """One page of public meetings by start (of the component, else of the commune's published spaces)."""
    check_filters(filters)
    repo = CalendarRepository(session, commune_id)
    meetings, cursor = await repo.open_data_page(filters, component_id, params)
    return Page(items=[exported(m) for m in meetings], next_cursor=cursor)


def _header(locales: Sequence[str]) -> list[str]:
    return [*PLAIN, *(f"{field}_{locale}" for field in MULTILINGUAL for locale in locales)]


def _line(meeting: Meeting, locales: Sequence[str]) -> bytes:
    data = exported(meeting).model_dump()
    texts = [(data[field] or {}).get(locale) for field in MULTILINGUAL for locale in locales]
    return csv_line([*(data[c] for c in PLAIN), *texts])


def open_data_csv(
    db: Database,
    commune_id: uuid.UUID,
    filters: MeetingFilters,
    locales: Sequence[str],
    *,
    component_id: uuid.UUID | None = None,
) -> AsyncIterator[bytes]:
    """The public meetings as CSV, streamed: a header, then one line per meeting by start; multilingual
    fields as one column per commune locale (``title_fr``...). The filters are checked at once."""
    check_filters(filters)

    async def lines() -> AsyncIterator[bytes]:
        yield csv_line(_header(locales))
        after: tuple[Any, uuid.UUID] | None = None
        while True:
            async with db.unit_of_work(readonly=True) as session:
                repo = CalendarRepository(session, commune_id)
                batch = await repo.batch_after(repo.open_data_statement(filters, component_id), after, BATCH)
            for meeting in batch:
                yield _line(meeting, locales)
            if len(batch) < BATCH:
                return
            after = (batch[-1].start_at, batch[-1].id)

    return lines()


async def registrations_csv(
    db: Database, session: AsyncSession, commune_id: uuid.UUID, meeting: Meeting
) -> AsyncIterator[bytes]:
    """The meeting's registrations (every status, in arrival order) with the person's name and address, as
    CSV, streamed; ``agenda.meeting.registrations_exported`` is recorded (by the request's actor) first."""
    actor = current_actor(session)
    async with db.unit_of_work() as own:
        set_actor(own, actor)
        TRAIL.record(own, commune_id=commune_id, kind="meeting", id=meeting.id, verb="registrations_exported")
    meeting_id = meeting.id

    async def lines() -> AsyncIterator[bytes]:
        yield csv_line(REGISTRATION_COLUMNS)
        after = 0
        while True:
            async with db.unit_of_work(readonly=True) as read:
                batch = await CalendarRepository(read, commune_id).registrations_after(
                    meeting_id, after, BATCH
                )
            for row in batch:
                yield csv_line([getattr(row, c) for c in REGISTRATION_COLUMNS])
            if len(batch) < BATCH:
                return
            after = batch[-1].number

    return lines()
