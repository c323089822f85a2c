"""HTTP routes of the agenda's registrations (see the package's docstring); routers do HTTP only."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response, status

from civicapi.core.deps import IdempotencyKey, SessionDep, SettingsDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.modules.agenda.common.presenting import guests_among, present
from civicapi.modules.agenda.dependencies import (
    CheckIn,
    CurrentContext,
    CurrentMeeting,
    ManageMeetings,
    ManageRegistrations,
    ViewerDep,
)
from civicapi.modules.agenda.exceptions import AgendaActionForbidden
from civicapi.modules.agenda.registrations import router_invites, service, service_checkin, service_lists
from civicapi.modules.agenda.registrations.dependencies import (
    CHECK_INS,
    MINE,
    REGISTRATION,
    REGISTRATIONS,
    SETTINGS,
    AuthenticatedCaller,
    CurrentRegistration,
)
from civicapi.modules.agenda.registrations.schemas import (
    CheckInCreate,
    CheckInRead,
    RegistrationCreate,
    RegistrationListItem,
    RegistrationRead,
    RegistrationSettingsUpdate,
)
from civicapi.modules.agenda.schemas import MeetingRead

router = GuardedRouter()

REPLAYED_HEADER = "Idempotent-Replayed"


@router.put(
    SETTINGS,
    operation_id="agenda_registration_settings_update",
    summary="Set how people register for a meeting (mode, places, window, terms, waiting list)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_registration_settings(
    _: ManageMeetings,
    meeting: CurrentMeeting,
    body: RegistrationSettingsUpdate,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
) -> MeetingRead:
    """Refusals carry a `reason`: `url_not_https`, `reserved_exceeds_available`, `window_inverted` (422),
    `slots_below_registrations` (409: fewer places than are taken). More places move the waiting list up."""
    meeting = await service.update_settings(session, ctx, meeting, body)
    guests = await guests_among(session, ctx.commune_id, viewer, [meeting])
    return present(meeting, viewer, guest=meeting.id in guests, time_zone=ctx.commune.timezone)


@router.post(
    REGISTRATIONS,
    operation_id="agenda_registrations_create",
    summary="Register for a meeting: a place, or a number in the waiting list (200 when registered already)",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": RegistrationRead, "description": "Registered already; nothing changed."},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def register(
    caller: AuthenticatedCaller,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    body: RegistrationCreate | None = None,
    idempotency_key: IdempotencyKey = None,
) -> RegistrationRead:
    """`status` says what the person got: `registered` (a place) or `waiting` (with `place_in_line`).
    Refusals carry a `reason`: `registrations_disabled`, `requirements_not_met` (403); `not_published`,
    `cancelled`, `withdrawn`, `not_on_platform`, `already_started`, `registrations_not_open`,
    `registrations_closed`, `full` (409); `terms_not_accepted`, `key_reused` (422)."""
    outcome = await service.register(
        session,
        ctx,
        meeting,
        user=caller.user,
        body=body or RegistrationCreate(),
        idempotency_key=idempotency_key,
    )
    registration = outcome.registration
    if not outcome.created and not outcome.replayed:
        response.status_code = status.HTTP_200_OK
    if outcome.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    response.headers["Location"] = ctx.url_of("meetings", meeting.id, "registrations", registration.id)
    return await service_lists.read(session, ctx, registration, public_url=settings.public_url)


@router.get(
    MINE,
    operation_id="agenda_registrations_mine",
    summary="My registration: status, number, place in line, check-in code and URL",
    responses=problem_responses(401, 404),
)
async def my_registration(
    caller: AuthenticatedCaller,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    session: SessionDep,
    settings: SettingsDep,
) -> RegistrationRead:
    registration = await service.registration_of(session, ctx, meeting, caller.user)
    return await service_lists.read(session, ctx, registration, public_url=settings.public_url)


@router.delete(
    MINE,
    operation_id="agenda_registrations_cancel_mine",
    summary="Cancel my registration (a freed place goes to the first in line)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def cancel_mine(
    caller: AuthenticatedCaller, meeting: CurrentMeeting, ctx: CurrentContext, session: SessionDep
) -> None:
    registration = await service.registration_of(session, ctx, meeting, caller.user)
    await service.cancel(session, ctx, meeting, registration)


@router.post(
    MINE + "/confirm",
    operation_id="agenda_registrations_confirm",
    summary="Take the place offered to me before its deadline",
    responses=problem_responses(401, 403, 404, 409),
)
async def confirm_offer(
    caller: AuthenticatedCaller,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    session: SessionDep,
    settings: SettingsDep,
) -> RegistrationRead:
    """409 `no_offer` (nothing offered) or `offer_expired` (the place passed on)."""
    registration = await service.registration_of(session, ctx, meeting, caller.user)
    registration = await service.confirm(session, ctx, meeting, registration)
    return await service_lists.read(session, ctx, registration, public_url=settings.public_url)


@router.get(
    REGISTRATIONS,
    operation_id="agenda_registrations_list",
    summary="The meeting's registrations, by arrival (personal data: `agenda.registrations`)",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_registrations(
    _: ManageRegistrations,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    session: SessionDep,
    settings: SettingsDep,
    page: Annotated[PageParams, Depends(sorted_by("number", "created_at", default="number"))],
    request: Request,
    response: Response,
    status_: Annotated[
        Literal["registered", "waiting", "offered", "cancelled"] | None,
        Query(alias="status", description="Only registrations with this status."),
    ] = None,
) -> Page[RegistrationListItem]:
    items, cursor = await service_lists.staff_page(
        session, ctx, meeting, page, status=status_, public_url=settings.public_url
    )
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)


@router.delete(
    REGISTRATION,
    operation_id="agenda_registrations_cancel",
    summary="Cancel a registration (its registrant, or `agenda.registrations`)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def cancel_registration(
    caller: AuthenticatedCaller,
    meeting: CurrentMeeting,
    registration: CurrentRegistration,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
) -> None:
    """403 `not_the_registrant` for anyone else."""
    owner = caller.user is not None and registration.user_id == caller.user.id
    if not owner and not viewer.sees_registrations:
        raise AgendaActionForbidden(
            "only the registrant or the commune's team may cancel it", reason="not_the_registrant"
        )
    await service.cancel(session, ctx, meeting, registration)


@router.post(
    CHECK_INS,
    operation_id="agenda_check_ins_create",
    summary="Check a registrant in at the door with their code (idempotent: counted once)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def check_in(
    caller: CheckIn, meeting: CurrentMeeting, body: CheckInCreate, ctx: CurrentContext, session: SessionDep
) -> CheckInRead:
    """404 for a code of another meeting or commune; 409 `registration_cancelled`, `not_registered`
    (waiting, or an offer not confirmed)."""
    return await service_checkin.check_in(session, ctx, meeting, body.code, by=caller.user)


router.include_router(router_invites.router)
