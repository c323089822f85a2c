"""HTTP routes of the lists of meetings: a component's, and the commune's directory (routers do HTTP
only)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response

from civicapi.communes.dependencies import CallerDep, CurrentCommune
from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.modules.agenda.common.reading import viewer_of
from civicapi.modules.agenda.dependencies import DIRECTORY, MEETINGS, CurrentContext, ViewerDep
from civicapi.modules.agenda.meetings import service_directory
from civicapi.modules.agenda.meetings.service_directory import MeetingQuery
from civicapi.modules.agenda.schemas import MeetingRead, MeetingStatus, MeetingType

router = GuardedRouter()

Label = Annotated[str | None, Query(max_length=60)]


async def _query(
    when: Annotated[
        Literal["upcoming", "past"],
        Query(description="`upcoming` (not ended; soonest first) or `past` (ended; latest first)."),
    ] = "upcoming",
    from_: Annotated[
        date | None,
        Query(alias="from", description="Meetings starting on or after this day (commune's time)."),
    ] = None,
    to: Annotated[date | None, Query(description="Meetings starting on or before this day.")] = None,
    type_: Annotated[MeetingType | None, Query(alias="type", description="The meeting's type.")] = None,
    category: Label = None,
    district: Label = None,
    status: Annotated[
        MeetingStatus | None, Query(description="Only this status (drafts: the caller's own, or staff's).")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Words searched in titles and descriptions.")
    ] = None,
    mine: Annotated[
        Literal["registered"] | None, Query(description="`registered`: only meetings I registered for.")
    ] = None,
) -> MeetingQuery:
    return MeetingQuery(
        when=when,
        start_from=from_,
        to=to,
        meeting_type=type_,
        category=category,
        district=district,
        status=status,
        q=q,
        mine=mine,
    )


QueryDep = Annotated[MeetingQuery, Depends(_query)]


@router.get(
    MEETINGS,
    operation_id="agenda_meetings_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="A component's meetings the caller may see, upcoming or past, filtered",
    responses=problem_responses(401, 404, 422),
)
async def list_meetings(
    request: Request,
    response: Response,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("start_at"))],
    query: QueryDep,
) -> Page[MeetingRead]:
    """Sort: `start_at` (default for `upcoming`) or `-start_at` (default for `past`)."""
    query = service_directory.in_component(query, ctx.component_id, checked=True)
    items, cursor = await service_directory.list_meetings(session, ctx.commune, query, page, viewer=viewer)
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)


@router.get(
    DIRECTORY,
    operation_id="agenda_directory",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="The commune's directory: meetings of every process the caller may see, upcoming or past",
    responses=problem_responses(401, 404, 422),
)
async def directory(
    request: Request,
    response: Response,
    commune: CurrentCommune,
    caller: CallerDep,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("start_at"))],
    query: QueryDep,
    component_id: Annotated[uuid.UUID | None, Query(description="Only this component's meetings.")] = None,
) -> Page[MeetingRead]:
    """Meetings of the published agenda components of published processes. Sort: `start_at` (default for
    `upcoming`) or `-start_at` (default for `past`)."""
    if component_id is not None:
        query = service_directory.in_component(query, component_id, checked=False)
    viewer = viewer_of(caller)
    items, cursor = await service_directory.list_meetings(session, commune, query, page, viewer=viewer)
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)
