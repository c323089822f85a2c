"""A meeting as a caller sees it (:class:`MeetingRead`): the online link only where the meeting lets the
caller see it, the details of a transparent private meeting only for its guests, the closing only when
visible. Pure functions over rows: what depends on the caller's registrations is asked first, in one
query per page (:func:`guests_among`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.modules.agenda.common.reading import Viewer
from civicapi.modules.agenda.models import REGISTERED, REGISTRATION_ON_PLATFORM, SIGNED_IN, Meeting
from civicapi.modules.agenda.repository import MeetingRepository
from civicapi.modules.agenda.schemas import ClosingInfo, MeetingRead, RegistrationInfo


async def guests_among(
    session: AsyncSession, commune_id: uuid.UUID, viewer: Viewer, meetings: Iterable[Meeting]
) -> set[uuid.UUID]:
    """The meetings (of those given) the viewer is invited to or registered for: one query."""
    ids = [m.id for m in meetings]
    if viewer.user_id is None or not ids:
        return set()
    return await MeetingRepository(session, commune_id).guest_meeting_ids(ids, viewer.user_id)


def places_left(meeting: Meeting) -> int | None:
    """Places still free for registrants (``None``: no limit)."""
    if meeting.registration_mode != REGISTRATION_ON_PLATFORM or meeting.available_slots == 0:
        return None
    return max(0, meeting.available_slots - meeting.reserved_slots - meeting.registrations_count)


def present(meeting: Meeting, viewer: Viewer, *, guest: bool, time_zone: str) -> MeetingRead:
    """The meeting for this viewer; ``guest``: invited to it or registered for it."""
    insider = viewer.manages or viewer.is_author(meeting)
    details = not meeting.private or insider or guest
    tz = ZoneInfo(time_zone)
    closing = closing_of(meeting, viewer, guest=guest)
    return MeetingRead(
        id=meeting.id,
        component_id=meeting.component_id,
        status=meeting.status,
        official=meeting.official,
        author_id=meeting.author_id,
        title=meeting.title,
        description=meeting.description if details else {},
        start_at=meeting.start_at,
        end_at=meeting.end_at,
        time_zone=time_zone,
        start_local=meeting.start_at.astimezone(tz),
        end_local=meeting.end_at.astimezone(tz),
        meeting_type=meeting.meeting_type,
        location=meeting.location if details else {},
        location_hints=meeting.location_hints if details else {},
        address=meeting.address if details else None,
        latitude=meeting.latitude if details else None,
        longitude=meeting.longitude if details else None,
        online_url=meeting.online_url if details and _sees_link(meeting, viewer, insider or guest) else None,
        online_url_visibility=meeting.online_url_visibility,
        embed_url=meeting.embed_url if details else None,
        category=meeting.category,
        district=meeting.district,
        private=meeting.private,
        transparent=meeting.transparent,
        details_hidden=not details,
        published_at=meeting.published_at,
        withdrawn_at=meeting.withdrawn_at,
        cancelled_at=meeting.cancelled_at,
        cancel_reason=meeting.cancel_reason,
        registration=RegistrationInfo(
            mode=meeting.registration_mode,
            url=meeting.registration_url,
            available_slots=meeting.available_slots,
            reserved_slots=meeting.reserved_slots,
            places_left=places_left(meeting),
            registrations_count=meeting.registrations_count,
            waiting_count=meeting.waiting_count,
            open_at=meeting.registrations_open_at,
            close_at=meeting.registrations_close_at,
            terms=meeting.registration_terms,
            waitlist_enabled=meeting.waitlist_enabled,
            offer_hours=meeting.offer_hours,
        ),
        attendance_count=meeting.attendance_count,
        closing=closing,
    )


def closing_of(meeting: Meeting, viewer: Viewer, *, guest: bool) -> ClosingInfo | None:
    """The meeting's closing as this viewer sees it: ``None`` until closed, and for those who may not see
    it (a closing not visible: only its author and staff; a private meeting's: also its guests)."""
    insider = viewer.manages or viewer.is_author(meeting)
    details = not meeting.private or insider or guest
    if meeting.closed_at is None or not details or not (meeting.closing_visible or insider):
        return None
    return ClosingInfo(
        closed_at=meeting.closed_at,
        minutes=meeting.minutes or {},
        attendees_count=meeting.attendees_count,
        contributions_count=meeting.contributions_count,
        attending_organizations=meeting.attending_organizations,
        video_url=meeting.video_url,
        audio_url=meeting.audio_url,
        visible=meeting.closing_visible,
    )


def present_page(
    meetings: Sequence[Meeting], viewer: Viewer, *, guests: set[uuid.UUID], time_zone: str
) -> list[MeetingRead]:
    return [present(m, viewer, guest=m.id in guests, time_zone=time_zone) for m in meetings]


def _sees_link(meeting: Meeting, viewer: Viewer, guest_or_insider: bool) -> bool:
    if meeting.online_url_visibility == SIGNED_IN:
        return viewer.user_id is not None or guest_or_insider
    if meeting.online_url_visibility == REGISTERED:
        return guest_or_insider
    return True
