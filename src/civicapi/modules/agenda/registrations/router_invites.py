"""HTTP routes of invitations and of the public list of participants; routers do HTTP only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, status

from civicapi.core.deps import SessionDep, SettingsDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.modules.agenda.dependencies import (
    COMPONENT,
    CurrentContext,
    CurrentMeeting,
    ManageRegistrations,
    ViewerDep,
)
from civicapi.modules.agenda.registrations import service_invites, service_lists
from civicapi.modules.agenda.registrations.dependencies import INVITES, PARTICIPANTS, AuthenticatedCaller
from civicapi.modules.agenda.registrations.schemas import (
    InviteAnswer,
    InviteCreate,
    InviteRead,
    ParticipantRead,
)

router = GuardedRouter()


@router.post(
    INVITES,
    operation_id="agenda_invites_create",
    summary="Invite an account or an e-mail address to a meeting (told by mail)",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def invite(
    caller: ManageRegistrations,
    meeting: CurrentMeeting,
    body: InviteCreate,
    ctx: CurrentContext,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> InviteRead:
    """409 `already_invited`; 422 for an unknown account or not exactly one of `user_id` and `email`."""
    row = await service_invites.invite(
        session, ctx, meeting, body, by=caller.user, public_url=settings.public_url
    )
    response.headers["Location"] = ctx.url_of("meetings", meeting.id, "invites", row.id)
    return service_lists.invite_read(row)


@router.get(
    INVITES,
    operation_id="agenda_invites_list",
    summary="The meeting's invitations and their answers (`agenda.registrations`)",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_invites(
    _: ManageRegistrations,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("created_at", default="created_at"))],
    request: Request,
    response: Response,
) -> Page[InviteRead]:
    items, cursor = await service_lists.invites_page(session, ctx, meeting, page)
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)


@router.post(
    INVITES + "/mine",
    operation_id="agenda_invites_answer_mine",
    summary="Accept or decline my invitation (accepting registers me where registration is on the platform)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def answer_mine(
    caller: AuthenticatedCaller,
    meeting: CurrentMeeting,
    body: InviteAnswer,
    ctx: CurrentContext,
    session: SessionDep,
) -> InviteRead:
    """409 `invite_answered` (answered the other way already); accepting may meet the refusals of
    registering (`full`, `terms_not_accepted` ...), and then nothing is written."""
    row = await service_invites.answer_as_person(session, ctx, meeting, body, user=caller.user)
    return service_lists.invite_read(row)


@router.post(
    COMPONENT + "/invitations/answer",
    operation_id="agenda_invites_answer_by_token",
    summary="Accept or decline an invitation by e-mail, with the secret of its link",
    responses=problem_responses(403, 404, 409, 422),
)
async def answer_by_token(body: InviteAnswer, ctx: CurrentContext, session: SessionDep) -> InviteRead:
    """404 for an unknown secret."""
    row = await service_invites.answer_with_token(session, ctx, body)
    return service_lists.invite_read(row)


@router.get(
    PARTICIPANTS,
    operation_id="agenda_participants_list",
    summary="The registrants who agreed to appear publicly (display names only), by arrival",
    responses=problem_responses(404, 422),
)
async def list_participants(
    meeting: CurrentMeeting,
    viewer: ViewerDep,
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("number", default="number"))],
    request: Request,
    response: Response,
) -> Page[ParticipantRead]:
    items, cursor = await service_lists.participants_page(session, ctx, meeting, page, viewer=viewer)
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)
