"""Check-in at the door: staff enter (or scan) a registrant's code. Idempotent and race-safe: the
registration is marked present by a conditional ``UPDATE`` and only the request that marked it counts the
attendance."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.errors import NotFound
from civicapi.identity.models import User
from civicapi.modules.agenda.exceptions import AgendaConflict
from civicapi.modules.agenda.models import CANCELLED_REGISTRATION, REGISTERED_STATUS, Meeting
from civicapi.modules.agenda.registrations.repository import MeetingCounters, RegistrationRepository
from civicapi.modules.agenda.registrations.schemas import CheckInRead
from civicapi.modules.agenda.settings import ComponentContext


async def check_in(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, code: str, *, by: User | None
) -> CheckInRead:
    """404 for a code of another meeting (or commune); 409 ``registration_cancelled`` / ``not_registered``
    (waiting, or a place offered but not confirmed)."""
    repo = RegistrationRepository(session, ctx.commune_id)
    registration = await repo.by_code(code)
    if registration is None or registration.meeting_id != meeting.id:
        raise NotFound(f"no registration with the code {code!r} for this meeting")
    if registration.status == CANCELLED_REGISTRATION:
        raise AgendaConflict("this registration was cancelled", reason="registration_cancelled")
    if registration.status != REGISTERED_STATUS:
        raise AgendaConflict(
            f"this person holds no place (status {registration.status})",
            reason="not_registered",
            registration_status=registration.status,
        )
    counters = MeetingCounters(session, ctx.commune_id)
    first = await repo.check_in(registration.id, by.id if by else None, utcnow())
    if first:
        await counters.count_attendance(meeting.id)
    await session.refresh(registration)
    await session.refresh(meeting)
    names = await repo.people([registration.user_id] if registration.user_id else [])
    person = names.get(registration.user_id) if registration.user_id else None
    assert registration.checked_in_at is not None
    return CheckInRead(
        registration_id=registration.id,
        number=registration.number,
        display_name=person.display_name if person else None,
        checked_in_at=registration.checked_in_at,
        already_checked_in=not first,
        attendance_count=meeting.attendance_count,
    )
