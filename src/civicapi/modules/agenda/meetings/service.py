"""Meetings' lifecycle: create (a draft), edit, publish, withdraw, cancel, delete a draft.

Services flush and never commit; nothing is written when a rule refuses. Who may do what:

* holders of ``agenda.manage`` create the commune's (official) meetings, and act on every meeting;
* a participant organises meetings where the component allows it (``participant_meetings_enabled``, the
  phase's ``creation_enabled``, the ``create_requirements``), then edits, publishes, withdraws (before it
  starts) or deletes (a draft) their own;
* only staff cancel a published meeting, with a reason: its registrants are told by mail after the commit,
  and ``agenda.meeting_cancelled`` is published.

Every change a calendar reader sees bumps ``sequence``; every action leaves an audit entry."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import audit
from civicapi.core.db.base import utcnow
from civicapi.core.errors import Unauthorized
from civicapi.core.events import Event, EventBus
from civicapi.core.i18n import translate
from civicapi.identity.service import queue_mail
from civicapi.modules.agenda.common.reading import Viewer
from civicapi.modules.agenda.exceptions import AgendaConflict
from civicapi.modules.agenda.meetings import places, rules
from civicapi.modules.agenda.meetings.repository import AgendaItemRepository, RegistrantRepository
from civicapi.modules.agenda.meetings.schemas import MeetingCancel, MeetingCreate, MeetingUpdate
from civicapi.modules.agenda.models import CANCELLED, DRAFT, PUBLISHED, WITHDRAWN, Meeting
from civicapi.modules.agenda.repository import MeetingRepository
from civicapi.modules.agenda.settings import ComponentContext

MODULE = "agenda"
MEETING_CANCELLED = "agenda.meeting_cancelled"
"""Event: a published meeting was cancelled (payload: meeting and component ids, title, start, reason)."""

trail = audit.ModuleTrail(MODULE)


def record(
    session: AsyncSession,
    ctx: ComponentContext,
    meeting: Meeting,
    verb: str,
    changes: Any,
    *,
    kind: str = "meeting",
    id: uuid.UUID | None = None,
) -> None:
    """The audit entry ``agenda.<kind>.<verb>`` (public once the meeting is)."""
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind=kind,
        id=meeting.id if id is None else id,
        verb=verb,
        changes=changes,
        public=meeting.status != DRAFT,
    )


def _normalised(values: dict[str, Any]) -> dict[str, Any]:
    """Times in UTC; cleared multilingual texts as empty objects."""
    for field in ("start_at", "end_at"):
        if values.get(field) is not None:
            values[field] = values[field].astimezone(UTC)
    for field in ("description", "location", "location_hints"):
        if field in values and values[field] is None:
            values[field] = {}
    return values


async def create_meeting(
    session: AsyncSession, ctx: ComponentContext, data: MeetingCreate, *, viewer: Viewer
) -> Meeting:
    """A draft: official when its creator holds ``agenda.manage``, else the participant's own."""
    official = viewer.manages
    if not official:
        if viewer.user_id is None:
            raise Unauthorized("log in first: this action is done by a person")
        await rules.require_participant_creation(session, ctx, viewer.user_id)
    values = _normalised(data.model_dump())
    rules.raise_invalid(rules.meeting_errors(ctx, values))
    meeting = Meeting(
        component_id=ctx.component_id,
        status=DRAFT,
        official=official,
        author_id=viewer.user_id,
        sequence=0,
        **values,
    )
    meeting.search_text = rules.search_text(meeting)
    MeetingRepository(session, ctx.commune_id).add(meeting)
    await session.flush()
    adopt = values.get("district") is None
    await places.sync(session, meeting, adopt_district=adopt, allowed=ctx.settings.districts)
    record(session, ctx, meeting, "create", audit.created(meeting, rules.AUDIT_FIELDS))
    return meeting


async def update_meeting(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, data: MeetingUpdate, *, viewer: Viewer
) -> Meeting:
    rules.require_editor(meeting, viewer)
    rules.require_changeable(meeting)
    changes = _normalised(data.model_dump(exclude_unset=True))
    before = audit.snapshot(meeting, rules.AUDIT_FIELDS)
    after = {**before, **changes}
    errors = rules.meeting_errors(ctx, after)
    if not errors and ("start_at" in changes or "end_at" in changes):
        planned = await AgendaItemRepository(session, ctx.commune_id).total_minutes(meeting.id, None)
        length = int((after["end_at"] - after["start_at"]).total_seconds() // 60)
        if planned > length:
            message = f"the agenda lasts {planned} minutes, the meeting {length}"
            errors.append({"location": ["body", "end_at"], "message": message, "code": "agenda_too_long"})
    rules.raise_invalid(errors)
    seen = [f for f in rules.CALENDAR_FIELDS if f in changes and changes[f] != getattr(meeting, f)]
    for field, value in changes.items():
        setattr(meeting, field, value)
    if seen:
        meeting.sequence += 1
    meeting.search_text = rules.search_text(meeting)
    meeting.updated_at = utcnow()
    await session.flush()
    adopt = ("latitude" in changes or "longitude" in changes) and "district" not in changes
    await places.sync(session, meeting, adopt_district=adopt, allowed=ctx.settings.districts)
    delta = audit.diff(before, audit.snapshot(meeting, rules.AUDIT_FIELDS))
    if delta:
        record(session, ctx, meeting, "update", delta)
    return meeting


def _require_draft(meeting: Meeting, viewer: Viewer, done: str) -> None:
    rules.require_editor(meeting, viewer)
    if meeting.status != DRAFT:
        raise AgendaConflict(f"only a draft is {done}", reason="not_a_draft")


async def publish_meeting(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, *, viewer: Viewer
) -> Meeting:
    _require_draft(meeting, viewer, "published")
    meeting.status = PUBLISHED
    meeting.published_at = utcnow()
    await session.flush()
    await places.sync(session, meeting)
    record(session, ctx, meeting, "publish", {"status": [DRAFT, PUBLISHED]})
    return meeting


async def withdraw_meeting(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, *, viewer: Viewer
) -> Meeting:
    """Its author (or staff) withdraws a published meeting that has not started."""
    rules.require_editor(meeting, viewer)
    rules.require_changeable(meeting)
    if meeting.status != PUBLISHED:
        raise AgendaConflict("a draft is deleted, not withdrawn", reason="not_published")
    now = utcnow()
    if meeting.start_at <= now:
        raise AgendaConflict("the meeting has started", reason="already_started")
    meeting.status, meeting.withdrawn_at = WITHDRAWN, now
    meeting.sequence += 1
    await session.flush()
    await places.sync(session, meeting)
    record(session, ctx, meeting, "withdraw", {"status": [PUBLISHED, WITHDRAWN]})
    return meeting


async def cancel_meeting(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, data: MeetingCancel, *, viewer: Viewer
) -> Meeting:
    """Staff cancel a published meeting that has not started; its registrants are told."""
    rules.require_manager(viewer)
    rules.require_changeable(meeting)
    if meeting.status != PUBLISHED:
        raise AgendaConflict("a draft is deleted, not cancelled", reason="not_published")
    rules.raise_invalid(rules.locale_errors(ctx, "reason", data.reason))
    now = utcnow()
    if meeting.start_at <= now:
        raise AgendaConflict("the meeting has started", reason="already_started")
    meeting.status, meeting.cancelled_at, meeting.cancel_reason = CANCELLED, now, dict(data.reason)
    meeting.sequence += 1
    await session.flush()
    await places.sync(session, meeting)
    record(session, ctx, meeting, "cancel", {"status": [PUBLISHED, CANCELLED], "reason": [None, data.reason]})
    await _tell_registrants(session, ctx, meeting)
    EventBus.publish(
        session,
        Event(
            MEETING_CANCELLED,
            ctx.commune_id,
            {
                "meeting_id": str(meeting.id),
                "component_id": str(ctx.component_id),
                "process_id": str(ctx.process.id),
                "title": dict(meeting.title),
                "start_at": meeting.start_at.isoformat(),
                "reason": dict(data.reason),
            },
            source_module=MODULE,
        ),
    )
    return meeting


async def _tell_registrants(session: AsyncSession, ctx: ComponentContext, meeting: Meeting) -> None:
    default = ctx.commune.default_locale
    local = meeting.start_at.astimezone(ZoneInfo(ctx.commune.timezone))
    for person in await RegistrantRepository(session, ctx.commune_id).to_tell(meeting.id):
        title = translate(meeting.title, person.locale, default)
        reason = translate(meeting.cancel_reason, person.locale, default)
        queue_mail(
            session,
            person.email,
            f"Cancelled: {title}",
            f"Hello {person.display_name},\n\n"
            f"The meeting \u201c{title}\u201d ({ctx.commune.name}) of {local:%Y-%m-%d %H:%M} is cancelled.\n"
            f"Reason: {reason}\n\nYour registration is void; there is nothing more to do.\n",
        )


async def delete_draft(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, *, viewer: Viewer
) -> None:
    _require_draft(meeting, viewer, "deleted (withdraw or cancel it instead)")
    record(session, ctx, meeting, "delete", audit.deleted(meeting, rules.AUDIT_FIELDS))
    await places.remove(session, meeting)
    await MeetingRepository(session, ctx.commune_id).delete(meeting)
