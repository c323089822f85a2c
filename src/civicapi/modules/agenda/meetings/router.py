"""HTTP routes of meetings (see the package's docstring); routers do HTTP only."""

from __future__ import annotations

from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.modules.agenda.common.presenting import guests_among, present
from civicapi.modules.agenda.dependencies import MEETING, CurrentContext, CurrentMeeting, ViewerDep
from civicapi.modules.agenda.schemas import MeetingRead

router = GuardedRouter()


@router.get(
    MEETING,
    operation_id="agenda_meetings_get",
    summary="A meeting (drafts: its author and staff; private meetings: also invitees and registrants)",
    responses=problem_responses(404),
)
async def get_meeting(
    meeting: CurrentMeeting, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep
) -> MeetingRead:
    guests = await guests_among(session, ctx.commune_id, viewer, [meeting])
    return present(meeting, viewer, guest=meeting.id in guests, time_zone=ctx.commune.timezone)
