"""HTTP routes of the agenda's calendars and formats (see the package's docstring); routers do HTTP only.

Calendar feeds answer ``text/calendar`` with an ``ETag`` (a matching ``If-None-Match`` gets 304); the
anonymous answers of public feeds are marked shareable like other public reads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request, Response

from civicapi.communes.dependencies import CurrentCommune
from civicapi.core.cache import mark_public
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.modules.agenda.calendars import router_export, service
from civicapi.modules.agenda.calendars.dependencies import (
    CommuneFilters,
    CommuneViewer,
    ComponentFilters,
    MeetingScopeDep,
    Person,
    RenderingDep,
)
from civicapi.modules.agenda.calendars.formats import ICS_MEDIA_TYPE, JSONLD_MEDIA_TYPE, jsonld_bytes
from civicapi.modules.agenda.calendars.schemas import CalendarTokenRead
from civicapi.modules.agenda.dependencies import COMPONENT, MEETING, CurrentContext, ViewerDep

router = GuardedRouter()

FEED_HEADERS = {
    "ETag": {
        "description": "The feed's version: send it back as `If-None-Match`.",
        "schema": {"type": "string"},
    },
    "X-Feed-Truncated": {
        "description": f"`true` when more than {service.FEED_LIMIT} meetings matched (the first are sent).",
        "schema": {"type": "string"},
    },
}
ICS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An iCalendar (RFC 5545) document.",
        "content": {ICS_MEDIA_TYPE: {"schema": {"type": "string"}}},
        "headers": FEED_HEADERS,
    },
    304: {"description": "Not modified since the `ETag` sent as `If-None-Match`."},
}
PERSONAL_FEED = "/calendar-feeds/{token}.ics"
TokenPath = Annotated[str, Path(max_length=100, description="The feed's secret.")]


def _calendar(request: Request, feed: service.Feed, filename: str, *, public: bool) -> Response:
    headers = {
        "ETag": feed.etag,
        "Content-Disposition": f'inline; filename="{filename}.ics"',
        "X-Feed-Truncated": "true" if feed.truncated else "false",
    }
    if feed.etag in {
        t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")
    }:
        response = Response(status_code=304, headers={"ETag": feed.etag})
    else:
        response = Response(feed.body, media_type=f"{ICS_MEDIA_TYPE}; charset=utf-8", headers=headers)
    if public:
        mark_public(request, response)
    else:
        response.headers["Cache-Control"] = "private, no-cache"
    return response


@router.get(
    MEETING + "/calendar.ics",
    operation_id="agenda_calendar_meeting",
    summary="A meeting as an iCalendar event (the place and the online link where the caller may see them)",
    response_class=Response,
    responses={**ICS_RESPONSES, **problem_responses(404, 422)},
)
async def meeting_calendar(request: Request, scope: MeetingScopeDep, session: SessionDep) -> Response:
    feed = await service.meeting_feed(session, scope.ctx, scope.meeting, scope.viewer, scope.rendering)
    return _calendar(request, feed, f"meeting-{scope.meeting.id}", public=True)


@router.get(
    MEETING + "/event.jsonld",
    operation_id="agenda_meeting_jsonld",
    summary="A meeting as a schema.org Event (JSON-LD), for portals that want search engines to see it",
    response_class=Response,
    responses={
        200: {"content": {JSONLD_MEDIA_TYPE: {"schema": {"type": "object"}}}},
        **problem_responses(404, 422),
    },
)
async def meeting_jsonld(request: Request, scope: MeetingScopeDep, session: SessionDep) -> Response:
    document = await service.meeting_jsonld(session, scope.ctx, scope.meeting, scope.viewer, scope.rendering)
    response = Response(
        jsonld_bytes(document),
        media_type=JSONLD_MEDIA_TYPE,
        headers={"Content-Language": scope.rendering.locale},
    )
    mark_public(request, response)
    return response


@router.get(
    COMPONENT + "/calendar.ics",
    operation_id="agenda_calendar_component",
    summary="The component's meetings as an iCalendar feed",
    response_class=Response,
    responses={**ICS_RESPONSES, **problem_responses(404, 422)},
)
async def component_calendar(
    request: Request,
    ctx: CurrentContext,
    viewer: ViewerDep,
    filters: ComponentFilters,
    r: RenderingDep,
    session: SessionDep,
) -> Response:
    """Meetings by start, from 90 days ago unless `from` says otherwise, at most 500 (see
    `X-Feed-Truncated`); what the caller may see of each (anonymous: only the links shown to everyone)."""
    feed = await service.component_feed(session, ctx, viewer, filters, r)
    return _calendar(request, feed, f"agenda-{ctx.component_id}", public=True)


@router.get(
    "/calendar.ics",
    operation_id="agenda_calendar_commune",
    summary="The commune's meetings, across processes, as an iCalendar feed (the directory's filters)",
    response_class=Response,
    responses={**ICS_RESPONSES, **problem_responses(404, 422)},
)
async def commune_calendar(
    request: Request,
    commune: CurrentCommune,
    viewer: CommuneViewer,
    filters: CommuneFilters,
    r: RenderingDep,
    session: SessionDep,
) -> Response:
    """Meetings of published components in published processes, by start, from 90 days ago unless `from`
    says otherwise, at most 500 (see `X-Feed-Truncated`)."""
    feed = await service.commune_feed(session, commune, viewer, filters, r)
    return _calendar(request, feed, f"agenda-{commune.slug}", public=True)


@router.get(
    PERSONAL_FEED,
    operation_id="agenda_calendar_personal",
    summary="A person's registrations as an iCalendar feed, at a secret address (no credentials needed)",
    response_class=Response,
    responses={**ICS_RESPONSES, **problem_responses(404, 422)},
)
async def personal_calendar(
    request: Request, token: TokenPath, commune: CurrentCommune, r: RenderingDep, session: SessionDep
) -> Response:
    """Calendar apps cannot send credentials: the address is the secret. An unknown or revoked one is 404.
    A place in the waiting list shows as TENTATIVE."""
    feed = await service.personal_feed(session, commune, token, r)
    return _calendar(request, feed, "my-meetings", public=False)


@router.post(
    "/calendar-token",
    operation_id="agenda_calendar_token_rotate",
    summary="Create (or replace) the secret address of my registrations' calendar feed",
    status_code=201,
    responses=problem_responses(401, 403, 404, 409),
)
async def rotate_token(
    commune: CurrentCommune, person: Person, r: RenderingDep, session: SessionDep, response: Response
) -> CalendarTokenRead:
    """The secret is shown once (only its hash is kept); a previous address stops working. One secret per
    person: of two concurrent requests, one may get 409 (the other's secret stands)."""
    secret = await service.rotate_token(session, commune.id, person)
    path = f"/v1/communes/{commune.slug}/agenda" + PERSONAL_FEED.replace("{token}", secret)
    response.headers["Location"] = path
    return CalendarTokenRead(token=secret, feed_url=r.public_url.rstrip("/") + path)


@router.delete(
    "/calendar-token",
    operation_id="agenda_calendar_token_revoke",
    summary="Revoke the secret address of my registrations' calendar feed",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 404),
)
async def revoke_token(commune: CurrentCommune, person: Person, session: SessionDep) -> Response:
    await service.revoke_token(session, commune.id, person)
    return Response(status_code=204)


router.include_router(router_export.router)
