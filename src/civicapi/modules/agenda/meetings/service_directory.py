"""Lists of meetings: a component's, and the commune's directory across processes and components.

Upcoming meetings (not ended) by start, soonest first; past ones latest first. One statement for the page
(visibility and filters in SQL, ``repository_directory``) and one for the caller's invitations and
registrations among its meetings (``guests_among``): a constant number whatever the page's size."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.core.db.base import utcnow
from civicapi.core.errors import InvalidInput, Unauthorized
from civicapi.core.i18n import fold
from civicapi.core.pagination import PageParams, keyset_page
from civicapi.modules.agenda.common.presenting import guests_among, present_page
from civicapi.modules.agenda.common.reading import Viewer
from civicapi.modules.agenda.meetings.repository_directory import MeetingFilters, meetings_statement
from civicapi.modules.agenda.models import Meeting
from civicapi.modules.agenda.schemas import MeetingRead

MAX_WORDS = 8


@dataclass(frozen=True, slots=True)
class MeetingQuery:
    """What a list asks for (query parameters)."""

    when: str = "upcoming"
    start_from: date | None = None
    to: date | None = None
    meeting_type: str | None = None
    category: str | None = None
    district: str | None = None
    status: str | None = None
    q: str | None = None
    mine: str | None = None
    component_id: uuid.UUID | None = None
    component_checked: bool = False
    """A component's own list (its visibility checked by the path's dependency)."""


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def filters_of(query: MeetingQuery, commune: Commune, viewer: Viewer) -> MeetingFilters:
    """The query's filters; dates are days of the commune's time zone (``to`` included)."""
    if query.start_from and query.to and query.to < query.start_from:
        raise InvalidInput(
            "`to` is before `from`",
            errors=[{"location": ["query", "to"], "message": "on or after `from`", "code": "date_range"}],
        )
    if query.mine is not None and viewer.user_id is None:
        raise Unauthorized("log in to list your registrations")
    zone = ZoneInfo(commune.timezone)
    words = [w for w in fold(query.q or "").split() if w][:MAX_WORDS]
    return MeetingFilters(
        upcoming=query.when == "upcoming",
        now=utcnow(),
        start_from=_midnight(query.start_from, zone) if query.start_from else None,
        start_before=_midnight(query.to + timedelta(days=1), zone) if query.to else None,
        meeting_type=query.meeting_type,
        category=query.category,
        district=query.district,
        status=query.status,
        words=words,
        registered=viewer.user_id if query.mine is not None else None,
        component_id=query.component_id,
        component_checked=query.component_checked,
    )


async def list_meetings(
    session: AsyncSession, commune: Commune, query: MeetingQuery, params: PageParams, *, viewer: Viewer
) -> tuple[list[MeetingRead], str | None]:
    filters = filters_of(query, commune, viewer)
    default = "start_at" if filters.upcoming else "-start_at"
    rows, cursor = await keyset_page(
        session,
        meetings_statement(commune.id, viewer, filters),
        params=params,
        sorts={"start_at": Meeting.start_at},
        default_sort=default,
        id_column=Meeting.id,
    )
    guests = await guests_among(session, commune.id, viewer, rows)
    return present_page(rows, viewer, guests=guests, time_zone=commune.timezone), cursor


def in_component(query: MeetingQuery, component_id: uuid.UUID, *, checked: bool) -> MeetingQuery:
    """The query narrowed to one component (``checked``: the caller may see it, the path said so)."""
    return replace(query, component_id=component_id, component_checked=checked)
