"""HTTP routes of statuses: list, create, read, edit, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, status

from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.etag import check_if_match, etag_for
from civicapi.core.pagination import Order, Page, PageParams, in_order, memory_page
from civicapi.core.routing import GuardedRouter
from civicapi.modules.accountability import service_statuses
from civicapi.modules.accountability.dependencies import (
    STATUS,
    STATUSES,
    CurrentContext,
    CurrentStatus,
    IfMatch,
    ManageResults,
    component_url,
)
from civicapi.modules.accountability.models import Status
from civicapi.modules.accountability.schemas import StatusCreate, StatusRead, StatusUpdate

router = GuardedRouter()


def _read(obj: Status, response: Response) -> StatusRead:
    response.headers["ETag"] = etag_for(obj.id, obj.updated_at)
    return StatusRead.model_validate(obj)


BY_POSITION_THEN_KEY = Order("position", lambda s: (s.position, s.key), (int, str))
"""Statuses as the component orders them, ties by their key (unique in the component)."""


@router.get(
    STATUSES,
    operation_id="accountability_statuses_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="The statuses results of the component may take",
    responses=problem_responses(404),
)
async def list_statuses(
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(in_order(BY_POSITION_THEN_KEY))],
    request: Request,
    response: Response,
) -> Page[StatusRead]:
    rows = [StatusRead.model_validate(s) for s in await service_statuses.list_statuses(session, ctx)]
    return memory_page(request, response, rows, page, BY_POSITION_THEN_KEY)


@router.post(
    STATUSES,
    operation_id="accountability_statuses_create",
    summary="Create a status",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_status(
    caller: ManageResults, body: StatusCreate, ctx: CurrentContext, session: SessionDep, response: Response
) -> StatusRead:
    obj = await service_statuses.create_status(session, ctx, body)
    response.headers["Location"] = f"{component_url(ctx)}/statuses/{obj.id}"
    return _read(obj, response)


@router.get(
    STATUS,
    operation_id="accountability_statuses_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One status",
    responses=problem_responses(404),
)
async def get_status(obj: CurrentStatus, response: Response) -> StatusRead:
    return _read(obj, response)


@router.patch(
    STATUS,
    operation_id="accountability_statuses_update",
    summary="Edit a status (the fields sent); results keep their progress",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_status(
    caller: ManageResults,
    body: StatusUpdate,
    obj: CurrentStatus,
    ctx: CurrentContext,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> StatusRead:
    await check_if_match(session, obj, if_match)
    obj = await service_statuses.update_status(session, ctx, obj, body)
    return _read(obj, response)


@router.delete(
    STATUS,
    operation_id="accountability_statuses_delete",
    summary="Delete a status that no result has",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def delete_status(
    caller: ManageResults, obj: CurrentStatus, ctx: CurrentContext, session: SessionDep
) -> None:
    await service_statuses.delete_status(session, ctx, obj)
