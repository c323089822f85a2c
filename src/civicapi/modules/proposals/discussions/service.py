"""Where a proposal was discussed. The agenda module publishes ``agenda.meeting_closed`` (its
``closing/contract.py``) each time a meeting's closing is written, with every proposal discussed there;
this module keeps one row per proposal and meeting, and lists those whose closing is public.

The event is read as a plain ``dict`` (the agenda is never imported); receiving it twice is harmless (the
rows are replaced by what it says), and ids that are not proposals of the commune are ignored.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.events import Event, payload_as
from civicapi.modules.proposals.discussions.repository import DiscussionRepository
from civicapi.modules.proposals.models import Discussion, Proposal
from civicapi.modules.proposals.schemas import DiscussionRead
from civicapi.modules.proposals.settings import ComponentContext

MEETING_CLOSED = "agenda.meeting_closed"


class MeetingClosed(BaseModel):
    """The keys of ``agenda.meeting_closed`` read here."""

    model_config = ConfigDict(extra="ignore")

    meeting_id: uuid.UUID
    component_id: uuid.UUID
    title: dict[str, str]
    start_at: datetime
    end_at: datetime
    closed_at: datetime
    public: bool
    proposal_ids: list[uuid.UUID]


async def on_meeting_closed(event: Event, session: AsyncSession) -> None:
    data = payload_as(event, MeetingClosed)
    if data is None or event.commune_id is None:
        return
    repo = DiscussionRepository(session, event.commune_id)
    kept = await repo.of_meeting(data.meeting_id)
    wanted = await repo.proposals_among(data.proposal_ids)
    for proposal_id, row in kept.items():
        if proposal_id not in wanted:
            await repo.delete(row)
    for proposal_id in wanted:
        row = kept.get(proposal_id) or repo.add(
            Discussion(commune_id=event.commune_id, proposal_id=proposal_id, meeting_id=data.meeting_id)
        )
        row.meeting_component_id = data.component_id
        row.title = data.title
        row.start_at, row.end_at, row.closed_at = data.start_at, data.end_at, data.closed_at
        row.public = data.public
    await session.flush()


SUBSCRIPTIONS = {MEETING_CLOSED: on_meeting_closed}


async def list_discussions(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal
) -> list[DiscussionRead]:
    """The meetings whose public closing names the proposal, the latest first."""
    rows = await DiscussionRepository(session, ctx.commune_id).public_of(proposal.id)
    base = f"/v1/communes/{ctx.commune.slug}/agenda/components"
    return [
        DiscussionRead(
            meeting_id=row.meeting_id,
            component_id=row.meeting_component_id,
            title=row.title,
            start_at=row.start_at,
            end_at=row.end_at,
            closed_at=row.closed_at,
            url=f"{base}/{row.meeting_component_id}/meetings/{row.meeting_id}",
        )
        for row in rows
    ]
