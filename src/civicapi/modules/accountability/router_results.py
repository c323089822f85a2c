"""HTTP routes of results: list, create, read, edit, delete, report progress; the public history of a
result, the component summary, and "what became of a proposal"."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.audit_schemas import PublicHistoryEntryRead
from civicapi.communes.dependencies import CallerDep
from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.etag import check_if_match, etag_for
from civicapi.core.pagination import (
    BY_CREATED,
    Page,
    PageParams,
    in_order,
    memory_page,
    set_link_header,
    sorted_by,
)
from civicapi.core.routing import GuardedRouter
from civicapi.modules.accountability import service, service_read
from civicapi.modules.accountability.dependencies import (
    COMPONENT,
    RESULT,
    RESULTS,
    CurrentContext,
    CurrentResult,
    IfMatch,
    ManageResults,
    ProposalId,
    ReportProgress,
    component_url,
)
from civicapi.modules.accountability.models import Result
from civicapi.modules.accountability.repository import ResultFilters
from civicapi.modules.accountability.schemas import (
    ProgressUpdate,
    ProposalResultRead,
    ResultCreate,
    ResultRead,
    ResultUpdate,
)
from civicapi.modules.accountability.schemas_io import SummaryRead
from civicapi.modules.accountability.settings import ComponentContext
from civicapi.spaces.dependencies import can_preview

router = GuardedRouter()


async def _read(
    session: AsyncSession, ctx: ComponentContext, result: Result, response: Response
) -> ResultRead:
    response.headers["ETag"] = etag_for(result.id, result.updated_at)
    return await service_read.read_result(session, ctx, result)


@router.get(
    RESULTS,
    operation_id="accountability_results_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="List the component's results, filtered and sorted",
    responses=problem_responses(404, 422),
)
async def list_results(
    request: Request,
    response: Response,
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[
        PageParams, Depends(sorted_by("position", "progress", "created_at", "updated_at", default="position"))
    ],
    parent_id: Annotated[uuid.UUID | None, Query(description="The children of this result.")] = None,
    top_level: Annotated[
        bool | None, Query(description="Only top-level results (true) or sub-results.")
    ] = None,
    status_: Annotated[str | None, Query(alias="status", max_length=40, description="A status key.")] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
    district: Annotated[str | None, Query(max_length=60)] = None,
    external_id: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[ResultRead]:
    """Sorts: `position` (default), `progress`, `created_at`, `updated_at` (prefix `-` for descending)."""
    filters = ResultFilters(
        parent_id=parent_id,
        top_level=top_level,
        category=category,
        district=district,
        external_id=external_id,
    )
    items, cursor = await service_read.list_results(session, ctx, page, filters, status_key=status_)
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)


@router.post(
    RESULTS,
    operation_id="accountability_results_create",
    summary="Create a result (top-level, or under a parent of the same component)",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_result(
    caller: ManageResults, body: ResultCreate, ctx: CurrentContext, session: SessionDep, response: Response
) -> ResultRead:
    result = await service.create_result(session, ctx, body)
    response.headers["Location"] = f"{component_url(ctx)}/results/{result.id}"
    return await _read(session, ctx, result, response)


@router.get(
    RESULT,
    operation_id="accountability_results_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One result",
    responses=problem_responses(404),
)
async def get_result(
    result: CurrentResult, ctx: CurrentContext, session: SessionDep, response: Response
) -> ResultRead:
    return await _read(session, ctx, result, response)


@router.patch(
    RESULT,
    operation_id="accountability_results_update",
    summary="Edit a result (the fields sent): texts, dates, status, progress, weight, amounts, place, parent",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_result(
    caller: ManageResults,
    body: ResultUpdate,
    result: CurrentResult,
    ctx: CurrentContext,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ResultRead:
    """A result with children gets its progress from them (409 `progress_rolled_up` when set); moving a
    result under one of its descendants is a 422 `cycle`."""
    await check_if_match(session, result, if_match)
    result = await service.update_result(session, ctx, result, body)
    return await _read(session, ctx, result, response)


@router.patch(
    RESULT + "/progress",
    operation_id="accountability_results_progress",
    summary="Report a result's progress and/or status (staff, integrators' API keys)",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def report_progress(
    caller: ReportProgress,
    body: ProgressUpdate,
    result: CurrentResult,
    ctx: CurrentContext,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ResultRead:
    """Needs `accountability.progress` (admins, staff, API keys with `write:accountability`): only
    `progress` and `status` can be sent. Choosing a status with a progress sets that progress."""
    await check_if_match(session, result, if_match)
    update = ResultUpdate.model_validate(body.model_dump(exclude_unset=True))
    result = await service.update_result(session, ctx, result, update)
    return await _read(session, ctx, result, response)


@router.delete(
    RESULT,
    operation_id="accountability_results_delete",
    summary="Delete a result without children (its milestones go with it)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def delete_result(
    caller: ManageResults, result: CurrentResult, ctx: CurrentContext, session: SessionDep
) -> None:
    await service.delete_result(session, ctx, result)


@router.get(
    RESULT + "/history",
    operation_id="accountability_results_history",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="A result's public history (status, progress, dates...), oldest first, from the audit trail",
    responses=problem_responses(404, 422),
)
async def result_history(
    request: Request,
    response: Response,
    result: CurrentResult,
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("created_at", default="created_at"))],
) -> Page[PublicHistoryEntryRead]:
    """Entries are `accountability.result.create|update|rollup|import|delete` with `changes` as
    `{field: [old, new]}` (statuses by key). Changes made while the component was unpublished are not
    public."""
    rows, cursor = await service_read.history(session, ctx, result, page)
    set_link_header(request, response, cursor)
    return Page(items=[PublicHistoryEntryRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.get(
    COMPONENT + "/summary",
    operation_id="accountability_summary",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="The component at a glance: overall progress, counts by status, planned vs spent, by district",
    responses=problem_responses(404),
)
async def summary(ctx: CurrentContext, session: SessionDep) -> SummaryRead:
    return await service_read.summary(session, ctx)


@router.get(
    "/proposals/{proposal_id}/results",
    operation_id="accountability_proposal_results",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="What became of a proposal: the results linked to it, with their progress",
    responses=problem_responses(404),
)
async def proposal_results(
    proposal_id: ProposalId,
    caller: CallerDep,
    session: SessionDep,
    page: Annotated[PageParams, Depends(in_order(BY_CREATED))],
    request: Request,
    response: Response,
) -> Page[ProposalResultRead]:
    """Results in published components (all components for callers holding `spaces.preview`), linked to the
    proposal when a budget project was imported. 404 (`reason`: `no_result`) when none is: the proposal is
    unknown here, or nothing was carried out from it yet."""
    rows = await service_read.results_of_proposal(
        session, caller.commune.id, proposal_id, include_hidden=can_preview(caller)
    )
    return memory_page(request, response, rows, page, BY_CREATED)
