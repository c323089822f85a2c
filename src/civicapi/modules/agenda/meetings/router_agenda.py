"""HTTP routes of a meeting's agenda: list, add, edit, delete, reorder items (routers do HTTP only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path, Request, Response, status

from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.modules.agenda.dependencies import MEETING, CurrentContext, CurrentMeeting, ViewerDep
from civicapi.modules.agenda.meetings import service_agenda
from civicapi.modules.agenda.meetings.schemas import (
    AgendaItemCreate,
    AgendaItemRead,
    AgendaItemUpdate,
    AgendaLevelRead,
    AgendaReorder,
)

router = GuardedRouter()

AGENDA = MEETING + "/agenda"
ITEM = AGENDA + "/{agenda_item_id}"
ItemId = Annotated[uuid.UUID, Path(description="The agenda item's id.")]


@router.get(
    AGENDA,
    operation_id="agenda_items_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="A meeting's agenda: its top-level items in order, each with its sub-items",
    responses=problem_responses(404, 422),
)
async def list_items(
    request: Request,
    response: Response,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("position", default="position"))],
) -> Page[AgendaItemRead]:
    """Sort: `position` (default) or `-position`. A transparent private meeting's agenda is for its guests."""
    items, cursor = await service_agenda.list_agenda(session, ctx, meeting, page, viewer=viewer)
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)


@router.post(
    AGENDA,
    operation_id="agenda_items_create",
    summary="Add an agenda item or sub-item (whoever edits the meeting); durations must fit",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_item(
    body: AgendaItemCreate,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
) -> AgendaItemRead:
    item = await service_agenda.create_item(session, ctx, meeting, body, viewer=viewer)
    response.headers["Location"] = ctx.url_of("meetings", meeting.id, "agenda", item.id)
    return item


@router.patch(
    ITEM,
    operation_id="agenda_items_update",
    summary="Edit an agenda item (whoever edits the meeting); durations must still fit",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_item(
    agenda_item_id: ItemId,
    body: AgendaItemUpdate,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
) -> AgendaItemRead:
    return await service_agenda.update_item(session, ctx, meeting, agenda_item_id, body, viewer=viewer)


@router.delete(
    ITEM,
    operation_id="agenda_items_delete",
    summary="Delete an agenda item and its sub-items (whoever edits the meeting)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def delete_item(
    agenda_item_id: ItemId,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
) -> None:
    await service_agenda.delete_item(session, ctx, meeting, agenda_item_id, viewer=viewer)


@router.post(
    AGENDA + "/reorder",
    operation_id="agenda_items_reorder",
    summary="Reorder one level of the agenda (every item of that level, each once)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def reorder_items(
    body: AgendaReorder, meeting: CurrentMeeting, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep
) -> AgendaLevelRead:
    items = await service_agenda.reorder(session, ctx, meeting, body, viewer=viewer)
    return AgendaLevelRead(items=items)
