"""The closing of a meeting: minutes, counts, organisations, recordings and the proposals discussed.

* Who: holders of ``agenda.manage``, or the author of a participant's meeting (403 ``not_the_author``).
* When: a published meeting that has started (409 ``not_started``; ``not_published``, ``cancelled``,
  ``withdrawn``). Sending the closing again edits it; every write goes to the audit trail.
* Proposals discussed: ids of proposals of this commune, checked against what the proposals module's
  events said (``handlers.py``; 422 ``unknown_proposals`` otherwise, nothing written), linked through the
  core's resource links (``agenda/meeting --discussed--> proposals/proposal``), never imported.
* The event ``agenda.meeting_closed`` (``contract.py``) carries them, so the proposals module may show
  where each was discussed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import audit
from civicapi.core.audit import ModuleTrail
from civicapi.core.db.base import utcnow
from civicapi.core.errors import InvalidInput, NotFound
from civicapi.core.events import Event, EventBus
from civicapi.core.i18n import check_locales
from civicapi.core.links import ResourceRef, link
from civicapi.modules.agenda.closing.contract import DISCUSSED, MEETING_CLOSED, PAYLOAD_VERSION
from civicapi.modules.agenda.closing.repository import DiscussedRepository, KnownProposalRepository
from civicapi.modules.agenda.closing.schemas import ClosingRead, ClosingWrite, DiscussedProposal
from civicapi.modules.agenda.common.presenting import closing_of
from civicapi.modules.agenda.common.reading import Viewer, sees_details
from civicapi.modules.agenda.exceptions import AgendaActionForbidden, AgendaConflict
from civicapi.modules.agenda.models import CANCELLED, DRAFT, PUBLISHED, WITHDRAWN, Meeting
from civicapi.modules.agenda.settings import ComponentContext

TRAIL = ModuleTrail("agenda")
FIELDS = (
    "minutes",
    "attendees_count",
    "contributions_count",
    "attending_organizations",
    "video_url",
    "audio_url",
    "closing_visible",
)
_STATE_REASONS = {DRAFT: "not_published", CANCELLED: "cancelled", WITHDRAWN: "withdrawn"}


def _check_may_close(meeting: Meeting, viewer: Viewer) -> None:
    if viewer.manages or (not meeting.official and viewer.is_author(meeting)):
        return
    raise AgendaActionForbidden(
        "only the commune's team, or the author of a participant's meeting, closes it",
        reason="not_the_author",
    )


async def close_meeting(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, data: ClosingWrite, *, viewer: Viewer
) -> ClosingRead:
    """Write (or edit) the meeting's closing; see the module docstring for the rules."""
    _check_may_close(meeting, viewer)
    if meeting.status != PUBLISHED:
        reason = _STATE_REASONS.get(meeting.status, "not_published")
        raise AgendaConflict(f"a meeting that is {meeting.status} cannot be closed", reason=reason)
    now = utcnow()
    if meeting.start_at > now:
        raise AgendaConflict("a meeting is closed once it has started", reason="not_started")
    check_locales(data.minutes, ctx.commune.locales, field="minutes")
    known = await KnownProposalRepository(session, ctx.commune_id).among(data.proposal_ids)
    unknown = [(i, p) for i, p in enumerate(data.proposal_ids) if p not in known]
    if unknown:
        raise InvalidInput(
            "proposal_ids: not proposals of this commune",
            errors=[
                {
                    "location": ["body", "proposal_ids", i],
                    "message": f"{p} is not a proposal of this commune",
                    "code": "unknown_proposal",
                }
                for i, p in unknown
            ],
            reason="unknown_proposals",
        )
    first = meeting.closed_at is None
    before = audit.snapshot(meeting, FIELDS)
    for name in FIELDS:
        setattr(meeting, name, getattr(data, name))
    if first:
        meeting.closed_at = now
    discussed = DiscussedRepository(session, ctx.commune_id)
    previous = await discussed.proposal_ids(meeting.id)
    removed = [p for p in previous if p not in set(data.proposal_ids)]
    await discussed.unlink(meeting.id, removed)
    source = ResourceRef("agenda", "meeting", meeting.id)
    for proposal_id in data.proposal_ids:
        target = ResourceRef("proposals", "proposal", proposal_id)
        await link(session, commune_id=ctx.commune_id, source=source, target=target, name=DISCUSSED)
    await session.flush()
    added = [p for p in data.proposal_ids if p not in set(previous)]
    changes: dict[str, Any] = audit.diff(before, audit.snapshot(meeting, FIELDS))
    if added or removed:
        changes["proposal_ids"] = {"added": [str(p) for p in added], "removed": [str(p) for p in removed]}
    TRAIL.record(  # for the commune's team only: a closing may be hidden, or of a private meeting
        session,
        commune_id=ctx.commune_id,
        kind="meeting",
        id=meeting.id,
        verb="close" if first else "edit_closing",
        changes=changes,
    )
    assert meeting.closed_at is not None
    EventBus.publish(
        session,
        Event(
            MEETING_CLOSED,
            ctx.commune_id,
            {
                "version": PAYLOAD_VERSION,
                "meeting_id": str(meeting.id),
                "component_id": str(ctx.component_id),
                "process_id": str(ctx.process.id),
                "title": meeting.title,
                "start_at": meeting.start_at.isoformat(),
                "end_at": meeting.end_at.isoformat(),
                "closed_at": meeting.closed_at.isoformat(),
                "first": first,
                "public": meeting.closing_visible and not meeting.private,
                "proposal_ids": [str(p) for p in data.proposal_ids],
                "removed_proposal_ids": [str(p) for p in removed],
            },
            source_module="agenda",
        ),
    )
    return await read_closing(session, ctx, meeting, viewer=viewer)


async def read_closing(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, *, viewer: Viewer
) -> ClosingRead:
    """The closing with the proposals discussed; 404 until the meeting is closed, and for those who may
    not see its closing (``common.presenting.closing_of``)."""
    guest = meeting.private and await sees_details(session, ctx, meeting, viewer)
    closing = closing_of(meeting, viewer, guest=guest)
    if closing is None:
        raise NotFound(f"meeting {meeting.id} has no closing to show")
    ids = await DiscussedRepository(session, ctx.commune_id).proposal_ids(meeting.id)
    known = await KnownProposalRepository(session, ctx.commune_id).among(ids)
    proposals = [
        DiscussedProposal(id=p, reference=k.reference, title=k.title, withdrawn=k.withdrawn)
        for p in ids
        if (k := known.get(p)) is not None
    ]
    return ClosingRead(**closing.model_dump(), meeting_id=meeting.id, proposals=proposals)
