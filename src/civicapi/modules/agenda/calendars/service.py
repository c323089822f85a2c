"""Calendar feeds (a meeting, a component, the commune, a person's registrations) and the meeting as
JSON-LD; the secrets of personal feeds (create or rotate, revoke). Services flush, never commit.

Feeds are capped at :data:`FEED_LIMIT` meetings, by start, from :data:`FEED_PAST` ago unless ``from`` says
otherwise: a calendar app polls the whole feed, so it stays small (``X-Feed-Truncated`` tells when the cap
cut it)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.core.errors import InvalidInput, NotFound
from civicapi.modules.agenda.calendars import formats
from civicapi.modules.agenda.calendars.repository import (
    CalendarRepository,
    CalendarTokenRepository,
    MeetingFilters,
)
from civicapi.modules.agenda.common.presenting import guests_among, present, present_page
from civicapi.modules.agenda.common.reading import Viewer
from civicapi.modules.agenda.models import CalendarToken, Meeting
from civicapi.modules.agenda.settings import ComponentContext

FEED_LIMIT = 500
"""At most this many meetings in one feed (the first by start)."""
FEED_PAST = timedelta(days=90)
"""Without ``from``, a feed starts with the meetings that ended less than this long ago."""


@dataclass(frozen=True, slots=True)
class Feed:
    body: bytes
    truncated: bool

    @property
    def etag(self) -> str:
        return formats.etag_of(self.body)


def _versions(meetings: Sequence[Meeting]) -> dict[uuid.UUID, formats.Version]:
    return {m.id: formats.Version(sequence=m.sequence, changed_at=m.updated_at) for m in meetings}


def check_filters(filters: MeetingFilters) -> None:
    """A date range that ends before it starts is a 422, like any bad query parameter."""
    if filters.start is not None and filters.end is not None and filters.end <= filters.start:
        raise InvalidInput(
            "`to` must come after `from`",
            errors=[
                {"location": ["query", "to"], "message": "must be after `from`", "code": "invalid_range"}
            ],
        )


def _with_default_window(filters: MeetingFilters, r: formats.Rendering) -> MeetingFilters:
    return filters if filters.start is not None else replace(filters, start=r.now - FEED_PAST)


async def _feed_of(
    session: AsyncSession,
    commune: Commune,
    viewer: Viewer,
    meetings: Sequence[Meeting],
    r: formats.Rendering,
    *,
    name: str,
) -> Feed:
    truncated = len(meetings) > FEED_LIMIT
    shown = list(meetings[:FEED_LIMIT])
    guests = await guests_among(session, commune.id, viewer, shown)
    reads = present_page(shown, viewer, guests=guests, time_zone=commune.timezone)
    body = formats.calendar(reads, r, name=name, versions=_versions(shown))
    return Feed(body=body, truncated=truncated)


async def meeting_feed(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, viewer: Viewer, r: formats.Rendering
) -> Feed:
    """One meeting (already checked visible to the viewer) as a calendar."""
    return await _feed_of(session, ctx.commune, viewer, [meeting], r, name=r.local(meeting.title))


async def component_feed(
    session: AsyncSession,
    ctx: ComponentContext,
    viewer: Viewer,
    filters: MeetingFilters,
    r: formats.Rendering,
) -> Feed:
    check_filters(filters)
    repo = CalendarRepository(session, ctx.commune_id)
    meetings = await repo.feed(
        viewer, _with_default_window(filters, r), limit=FEED_LIMIT + 1, component_id=ctx.component_id
    )
    return await _feed_of(session, ctx.commune, viewer, meetings, r, name=r.local(ctx.component.name))


async def commune_feed(
    session: AsyncSession, commune: Commune, viewer: Viewer, filters: MeetingFilters, r: formats.Rendering
) -> Feed:
    check_filters(filters)
    repo = CalendarRepository(session, commune.id)
    meetings = await repo.feed(viewer, _with_default_window(filters, r), limit=FEED_LIMIT + 1)
    return await _feed_of(session, commune, viewer, meetings, r, name=commune.name)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def personal_feed(session: AsyncSession, commune: Commune, secret: str, r: formats.Rendering) -> Feed:
    """The meetings the secret's owner is registered for (or waits for: TENTATIVE), as they see them; an
    unknown or revoked secret is a 404."""
    user_id = await CalendarTokenRepository(session, commune.id).owner_of(hash_secret(secret))
    if user_id is None:
        raise NotFound("no calendar feed at this address (unknown or revoked)")
    rows = await CalendarRepository(session, commune.id).registered_feed(
        user_id, since=r.now - FEED_PAST, limit=FEED_LIMIT + 1
    )
    shown = rows[:FEED_LIMIT]
    viewer = Viewer(user_id=user_id, manages=False, sees_registrations=False)
    reads = [present(m, viewer, guest=True, time_zone=commune.timezone) for m, _ in shown]
    body = formats.calendar(
        reads,
        r,
        name=commune.name,
        versions=_versions([m for m, _ in shown]),
        registrations={m.id: status for m, status in shown},
    )
    return Feed(body=body, truncated=len(rows) > FEED_LIMIT)


async def meeting_jsonld(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, viewer: Viewer, r: formats.Rendering
) -> dict[str, Any]:
    guests = await guests_among(session, ctx.commune_id, viewer, [meeting])
    read = present(meeting, viewer, guest=meeting.id in guests, time_zone=ctx.commune.timezone)
    return formats.event_jsonld(read, r)


async def rotate_token(session: AsyncSession, commune_id: uuid.UUID, user_id: uuid.UUID) -> str:
    """A new secret for the caller's personal feed; the previous one (if any) stops working. Answers the
    secret, shown once (only its hash is kept)."""
    repo = CalendarTokenRepository(session, commune_id)
    await repo.forget_of(user_id)
    secret = secrets.token_urlsafe(32)
    repo.add(CalendarToken(commune_id=commune_id, user_id=user_id, token_hash=hash_secret(secret)))
    await repo.flush()
    return secret


async def revoke_token(session: AsyncSession, commune_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The caller's personal feed stops working (nothing to revoke is not an error)."""
    await CalendarTokenRepository(session, commune_id).forget_of(user_id)
