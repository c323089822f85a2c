"""HTTP routes of the agenda's exports: open data (CSV, JSON) of a component's or the commune's meetings,
and the registrations of a meeting for the commune's team. Routers do HTTP only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import StreamingResponse

from civicapi.communes.dependencies import CurrentCommune
from civicapi.core.cache import mark_public
from civicapi.core.deps import DatabaseDep, SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.modules.agenda.calendars import service_export
from civicapi.modules.agenda.calendars.dependencies import CommuneFilters, ComponentFilters
from civicapi.modules.agenda.calendars.schemas import MeetingExport
from civicapi.modules.agenda.dependencies import (
    COMPONENT,
    MEETING,
    CurrentContext,
    CurrentMeeting,
    ManageRegistrations,
)

router = GuardedRouter()

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV, streamed."}
}
OPEN_DATA = (
    "Public meetings only (not drafts, not private), no personal data: no author, no registrant, counts "
    "only; the online link only where everyone may see it. Multilingual fields as one CSV column per commune "
    "locale (`title_fr`...)."
)


def _csv(request: Request, lines: Any, filename: str, *, public: bool) -> StreamingResponse:
    response = StreamingResponse(
        lines,
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )
    if public:
        mark_public(request, response)
    return response


@router.get(
    COMPONENT + "/meetings.csv",
    operation_id="agenda_export_component_csv",
    summary="Open data: the component's public meetings as CSV (streamed)",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **problem_responses(404, 422)},
    description=OPEN_DATA,
)
async def component_csv(
    request: Request, ctx: CurrentContext, filters: ComponentFilters, db: DatabaseDep
) -> StreamingResponse:
    lines = service_export.open_data_csv(
        db, ctx.commune_id, filters, ctx.commune.locales, component_id=ctx.component_id
    )
    return _csv(request, lines, f"meetings-{ctx.component_id}", public=True)


@router.get(
    COMPONENT + "/meetings.json",
    operation_id="agenda_export_component_json",
    summary="Open data: the component's public meetings as JSON, by start",
    responses=problem_responses(404, 422),
    description=OPEN_DATA,
)
async def component_json(
    request: Request,
    response: Response,
    ctx: CurrentContext,
    filters: ComponentFilters,
    page: Annotated[PageParams, Depends(sorted_by("start_at", default="start_at"))],
    session: SessionDep,
) -> Page[MeetingExport]:
    result = await service_export.open_data_page(
        session, ctx.commune_id, filters, page, component_id=ctx.component_id
    )
    set_link_header(request, response, result.next_cursor)
    mark_public(request, response)
    return result


@router.get(
    "/meetings.csv",
    operation_id="agenda_export_commune_csv",
    summary="Open data: the commune's public meetings, across processes, as CSV (streamed)",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **problem_responses(404, 422)},
    description=OPEN_DATA + " Meetings of published components in published processes.",
)
async def commune_csv(
    request: Request, commune: CurrentCommune, filters: CommuneFilters, db: DatabaseDep
) -> StreamingResponse:
    lines = service_export.open_data_csv(db, commune.id, filters, commune.locales)
    return _csv(request, lines, f"meetings-{commune.slug}", public=True)


@router.get(
    "/meetings.json",
    operation_id="agenda_export_commune_json",
    summary="Open data: the commune's public meetings, across processes, as JSON, by start",
    responses=problem_responses(404, 422),
    description=OPEN_DATA + " Meetings of published components in published processes.",
)
async def commune_json(
    request: Request,
    response: Response,
    commune: CurrentCommune,
    filters: CommuneFilters,
    page: Annotated[PageParams, Depends(sorted_by("start_at", default="start_at"))],
    session: SessionDep,
) -> Page[MeetingExport]:
    result = await service_export.open_data_page(session, commune.id, filters, page)
    set_link_header(request, response, result.next_cursor)
    mark_public(request, response)
    return result


@router.get(
    MEETING + "/registrations.csv",
    operation_id="agenda_export_registrations_csv",
    summary="The meeting's registrations with names and addresses, as CSV (team only; each export audited)",
    response_class=StreamingResponse,
    responses={**CSV_RESPONSE, **problem_responses(401, 403, 404, 422)},
)
async def registrations_csv(
    request: Request,
    _caller: ManageRegistrations,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    session: SessionDep,
    db: DatabaseDep,
) -> StreamingResponse:
    """Personal data: needs `agenda.registrations`; every export leaves an audit entry
    (`agenda.meeting.registrations_exported`). Every registration, in arrival order, with its status."""
    lines = await service_export.registrations_csv(db, session, ctx.commune_id, meeting)
    return _csv(request, lines, f"registrations-{meeting.id}", public=False)
