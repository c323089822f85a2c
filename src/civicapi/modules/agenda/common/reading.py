"""Who may see a meeting. One rule, used by every route that takes a meeting in its path:

- a draft: its author and the holders of ``agenda.manage``;
- a private meeting: those, and the people invited (not declined) or registered (not cancelled); a
  *transparent* private meeting is listed for everyone, but only they see its details;
- published, withdrawn and cancelled meetings: everyone who may see the component.

Anyone else gets 404, as if the meeting did not exist."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.dependencies import Caller
from civicapi.core.errors import NotFound
from civicapi.modules.agenda import permissions
from civicapi.modules.agenda.models import DRAFT, Meeting
from civicapi.modules.agenda.repository import MeetingRepository
from civicapi.modules.agenda.settings import ComponentContext


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking: their account (``None`` when anonymous or an API key) and their rights here."""

    user_id: uuid.UUID | None
    manages: bool
    """Holds ``agenda.manage``: sees drafts and private meetings, edits any meeting."""
    sees_registrations: bool
    """Holds ``agenda.registrations``: sees who registered."""

    def is_author(self, meeting: Meeting) -> bool:
        return self.user_id is not None and meeting.author_id == self.user_id


def viewer_of(caller: Caller) -> Viewer:
    return Viewer(
        user_id=caller.user.id if caller.user is not None else None,
        manages=caller.can(permissions.MANAGE),
        sees_registrations=caller.can(permissions.REGISTRATIONS),
    )


async def sees_details(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, viewer: Viewer
) -> bool:
    """Whether the viewer sees everything of a meeting they may see (false only for a transparent private
    meeting seen by someone neither invited nor registered)."""
    if not meeting.private or viewer.manages or viewer.is_author(meeting):
        return True
    if viewer.user_id is None:
        return False
    return await MeetingRepository(session, ctx.commune_id).is_guest(meeting.id, viewer.user_id)


async def get_meeting(
    session: AsyncSession, ctx: ComponentContext, meeting_id: uuid.UUID, *, viewer: Viewer
) -> Meeting:
    """The meeting of this component if the viewer may see it (the rule above); else 404."""
    meeting = await MeetingRepository(session, ctx.commune_id).in_component(ctx.component_id, meeting_id)
    if meeting is None or not await _visible(session, ctx, meeting, viewer):
        raise NotFound(f"meeting {meeting_id} not found")
    return meeting


async def _visible(session: AsyncSession, ctx: ComponentContext, meeting: Meeting, viewer: Viewer) -> bool:
    if viewer.manages or viewer.is_author(meeting):
        return True
    if meeting.status == DRAFT:
        return False
    if meeting.private and not meeting.transparent:
        return await sees_details(session, ctx, meeting, viewer)
    return True
