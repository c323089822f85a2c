"""HTTP routes of meetings (see the package's docstring); routers do HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.etag import check_if_match, etag_for
from civicapi.core.routing import GuardedRouter
from civicapi.modules.agenda.common.presenting import guests_among, present
from civicapi.modules.agenda.common.reading import Viewer
from civicapi.modules.agenda.dependencies import MEETING, MEETINGS, CurrentContext, CurrentMeeting, ViewerDep
from civicapi.modules.agenda.meetings import router_agenda, router_lists, service
from civicapi.modules.agenda.meetings.schemas import MeetingCancel, MeetingCreate, MeetingUpdate
from civicapi.modules.agenda.models import Meeting
from civicapi.modules.agenda.schemas import MeetingRead
from civicapi.modules.agenda.settings import ComponentContext

router = GuardedRouter()
router.include_router(router_agenda.router)
router.include_router(router_lists.router)

IfMatch = Annotated[str | None, Header(description="ETag from a previous read; a stale one gets 412.")]


async def _read(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, viewer: Viewer, response: Response
) -> MeetingRead:
    response.headers["ETag"] = etag_for(meeting.id, meeting.updated_at)
    guests = await guests_among(session, ctx.commune_id, viewer, [meeting])
    return present(meeting, viewer, guest=meeting.id in guests, time_zone=ctx.commune.timezone)


@router.post(
    MEETINGS,
    operation_id="agenda_meetings_create",
    summary="Create a meeting (a draft): staff for the commune, participants where the component allows",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_meeting(
    body: MeetingCreate, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep, response: Response
) -> MeetingRead:
    meeting = await service.create_meeting(session, ctx, body, viewer=viewer)
    response.headers["Location"] = ctx.url_of("meetings", meeting.id)
    return await _read(session, ctx, meeting, viewer, response)


@router.get(
    MEETING,
    operation_id="agenda_meetings_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="A meeting (drafts: its author and staff; private meetings: also invitees and registrants)",
    responses=problem_responses(404),
)
async def get_meeting(
    meeting: CurrentMeeting, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep, response: Response
) -> MeetingRead:
    return await _read(session, ctx, meeting, viewer, response)


@router.patch(
    MEETING,
    operation_id="agenda_meetings_update",
    summary="Edit a meeting (its author or staff); a change calendars show bumps its sequence",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_meeting(
    body: MeetingUpdate,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> MeetingRead:
    await check_if_match(session, meeting, if_match)
    meeting = await service.update_meeting(session, ctx, meeting, body, viewer=viewer)
    return await _read(session, ctx, meeting, viewer, response)


@router.delete(
    MEETING,
    operation_id="agenda_meetings_delete",
    summary="Delete a draft (a published meeting is withdrawn or cancelled instead)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def delete_meeting(
    meeting: CurrentMeeting, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep
) -> None:
    await service.delete_draft(session, ctx, meeting, viewer=viewer)


@router.post(
    MEETING + "/publish",
    operation_id="agenda_meetings_publish",
    summary="Publish a draft (its author or staff)",
    responses=problem_responses(401, 403, 404, 409),
)
async def publish_meeting(
    meeting: CurrentMeeting, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep, response: Response
) -> MeetingRead:
    meeting = await service.publish_meeting(session, ctx, meeting, viewer=viewer)
    return await _read(session, ctx, meeting, viewer, response)


@router.post(
    MEETING + "/withdraw",
    operation_id="agenda_meetings_withdraw",
    summary="Withdraw a published meeting before it starts (its author or staff)",
    responses=problem_responses(401, 403, 404, 409),
)
async def withdraw_meeting(
    meeting: CurrentMeeting, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep, response: Response
) -> MeetingRead:
    meeting = await service.withdraw_meeting(session, ctx, meeting, viewer=viewer)
    return await _read(session, ctx, meeting, viewer, response)


@router.post(
    MEETING + "/cancel",
    operation_id="agenda_meetings_cancel",
    summary="Cancel a published meeting with a reason (staff); its registrants are told by mail",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def cancel_meeting(
    body: MeetingCancel,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
) -> MeetingRead:
    meeting = await service.cancel_meeting(session, ctx, meeting, body, viewer=viewer)
    return await _read(session, ctx, meeting, viewer, response)
