"""HTTP routes of milestones: a result's public timeline (list, create, read, edit, delete)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, status

from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.etag import check_if_match, etag_for
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.modules.accountability import service_milestones
from civicapi.modules.accountability.dependencies import (
    MILESTONE,
    MILESTONES,
    CurrentContext,
    CurrentMilestone,
    CurrentResult,
    IfMatch,
    ReportProgress,
    component_url,
)
from civicapi.modules.accountability.models import Milestone
from civicapi.modules.accountability.schemas import MilestoneCreate, MilestoneRead, MilestoneUpdate

router = GuardedRouter()


def _read(obj: Milestone, response: Response) -> MilestoneRead:
    response.headers["ETag"] = etag_for(obj.id, obj.updated_at)
    return MilestoneRead.model_validate(obj)


@router.get(
    MILESTONES,
    operation_id="accountability_milestones_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="A result's timeline: its milestones, by date",
    responses=problem_responses(404, 422),
)
async def list_milestones(
    request: Request,
    response: Response,
    result: CurrentResult,
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("entry_date", "created_at", default="entry_date"))],
) -> Page[MilestoneRead]:
    """Sorts: `entry_date` (default), `-entry_date`, `created_at`."""
    rows, cursor = await service_milestones.list_milestones(session, ctx, result, page)
    set_link_header(request, response, cursor)
    return Page(items=[MilestoneRead.model_validate(m) for m in rows], next_cursor=cursor)


@router.post(
    MILESTONES,
    operation_id="accountability_milestones_create",
    summary="Add a milestone to a result's timeline",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_milestone(
    caller: ReportProgress,
    body: MilestoneCreate,
    result: CurrentResult,
    ctx: CurrentContext,
    session: SessionDep,
    response: Response,
) -> MilestoneRead:
    obj = await service_milestones.create_milestone(session, ctx, result, body)
    response.headers["Location"] = f"{component_url(ctx)}/results/{result.id}/milestones/{obj.id}"
    return _read(obj, response)


@router.get(
    MILESTONE,
    operation_id="accountability_milestones_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One milestone",
    responses=problem_responses(404),
)
async def get_milestone(obj: CurrentMilestone, response: Response) -> MilestoneRead:
    return _read(obj, response)


@router.patch(
    MILESTONE,
    operation_id="accountability_milestones_update",
    summary="Edit a milestone (the fields sent)",
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def update_milestone(
    caller: ReportProgress,
    body: MilestoneUpdate,
    obj: CurrentMilestone,
    ctx: CurrentContext,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> MilestoneRead:
    await check_if_match(session, obj, if_match)
    obj = await service_milestones.update_milestone(session, ctx, obj, body)
    return _read(obj, response)


@router.delete(
    MILESTONE,
    operation_id="accountability_milestones_delete",
    summary="Delete a milestone",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def delete_milestone(
    caller: ReportProgress, obj: CurrentMilestone, ctx: CurrentContext, session: SessionDep
) -> None:
    await service_milestones.delete_milestone(session, ctx, obj)
