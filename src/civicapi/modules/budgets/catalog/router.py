"""HTTP routes of budgets: list, create, read, edit, delete; where the caller may vote; closing a vote;
importing a Pabulib file as a budget."""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, Depends, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.dependencies import CallerDep
from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import DatabaseDep, SessionDep, SettingsDep
from civicapi.core.errors import problem_responses
from civicapi.core.etag import check_if_match, etag_for
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.core.uploads import IMPORT_BODY_EXTRA, read_upload
from civicapi.modules.budgets.catalog import service, service_pabulib, service_read
from civicapi.modules.budgets.catalog.schemas import BudgetCreate, BudgetRead, BudgetUpdate
from civicapi.modules.budgets.dependencies import (
    BUDGET,
    BUDGETS,
    COMPONENT,
    Browsing,
    CurrentBudget,
    CurrentContext,
    IfMatch,
    ManageBudgets,
    budget_url,
)
from civicapi.modules.budgets.models import Budget
from civicapi.modules.budgets.results import service_close
from civicapi.modules.budgets.settings import ComponentContext
from civicapi.modules.budgets.voting.schemas import EligibilityRead, PabulibImportRead

router = GuardedRouter()

PB_MEDIA_TYPE = "text/plain"


async def _read(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, response: Response
) -> BudgetRead:
    response.headers["ETag"] = etag_for(budget.id, budget.updated_at)
    return await service.read_budget(session, ctx, budget)


@router.get(
    BUDGETS,
    operation_id="budgets_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="List the budgets of a component",
    responses=problem_responses(404, 422),
)
async def list_budgets(
    request: Request,
    response: Response,
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("position", "created_at", default="position"))],
) -> Page[BudgetRead]:
    """Sorts: `position` (default), `created_at`."""
    items, cursor = await service.list_budgets(session, ctx, page)
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)


@router.post(
    BUDGETS,
    operation_id="budgets_create",
    summary="Create a budget",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_budget(
    caller: ManageBudgets, body: BudgetCreate, ctx: CurrentContext, session: SessionDep, response: Response
) -> BudgetRead:
    budget = await service.create_budget(session, ctx, body)
    response.headers["Location"] = budget_url(ctx, budget.id)
    return await _read(session, ctx, budget, response)


@router.get(
    BUDGET,
    operation_id="budgets_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One budget",
    responses=problem_responses(404),
)
async def get_budget(scope: Browsing, session: SessionDep, response: Response) -> BudgetRead:
    return await _read(session, scope.ctx, scope.budget, response)


@router.patch(
    BUDGET,
    operation_id="budgets_update",
    summary="Edit a budget (the fields sent)",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_budget(
    caller: ManageBudgets,
    body: BudgetUpdate,
    budget: CurrentBudget,
    ctx: CurrentContext,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> BudgetRead:
    await check_if_match(session, budget, if_match)
    budget = await service.update_budget(session, ctx, budget, body)
    return await _read(session, ctx, budget, response)


@router.delete(
    BUDGET,
    operation_id="budgets_delete",
    summary="Delete a budget without cast ballots",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def delete_budget(
    caller: ManageBudgets, budget: CurrentBudget, ctx: CurrentContext, session: SessionDep
) -> None:
    await service.delete_budget(session, ctx, budget)


@router.get(
    COMPONENT + "/eligibility",
    operation_id="budgets_eligibility",
    summary="Where the caller may vote in this component, and where they already do",
    responses=problem_responses(404),
)
async def eligibility(caller: CallerDep, ctx: CurrentContext, session: SessionDep) -> EligibilityRead:
    return await service_read.eligibility(session, ctx, caller.user.id if caller.user else None)


@router.post(
    BUDGET + "/close",
    operation_id="budgets_close",
    summary="Close the vote: seal the ballots, unlink them from voters, publish the export's SHA-256",
    responses={
        202: {"model": BudgetRead, "description": "Closed; the urn is being sealed after the response"},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def close_vote(
    caller: ManageBudgets,
    budget: CurrentBudget,
    ctx: CurrentContext,
    session: SessionDep,
    db: DatabaseDep,
    response: Response,
    tasks: BackgroundTasks,
    background: Annotated[
        bool | None,
        Query(
            description="Seal the urn after the response (202; the budget reads `sealing` until "
            "`ballots_sha256` is published). Default: only votes of over "
            f"{service_close.BACKGROUND_THRESHOLD:,} cast ballots."
        ),
    ] = None,
) -> BudgetRead:
    """Voting stops at once (`vote_closed`). 200: the urn is sealed and its digest published; 202: it is
    sealed after the response: `GET` the budget until `ballots_sha256` is set. A closed vote whose sealing
    failed is sealed again by closing it again; `409 vote_sealing` while a sealing is under way."""
    if await service_close.close_vote(session, ctx, budget, background=background):
        response.status_code = status.HTTP_202_ACCEPTED
        tasks.add_task(service_close.seal_in_background, db, ctx, budget.id)
    return await _read(session, ctx, budget, response)


@router.post(
    BUDGETS + "/pabulib",
    operation_id="budgets_import_pabulib",
    summary="Create a closed budget with the projects and ballots of a Pabulib file",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 413, 422),
    openapi_extra={
        "requestBody": {"required": True, "content": {PB_MEDIA_TYPE: {"schema": {"type": "string"}}}},
        **IMPORT_BODY_EXTRA,
    },
)
async def import_pabulib(
    caller: ManageBudgets,
    request: Request,
    ctx: CurrentContext,
    session: SessionDep,
    response: Response,
    settings: SettingsDep,
    title: Annotated[str | None, Query(max_length=200, description="Title (default: the file's)")] = None,
) -> PabulibImportRead:
    """The body is the `.pb` file as UTF-8 text (CRLF or LF line endings), up to
    `CIVICAPI_MAX_IMPORT_BYTES` (32 MiB by default), possibly gzip-compressed (`Content-Encoding: gzip`,
    or a gzip body as such). What the format allows but a budget cannot hold as it is (a `choose-1` or
    `ordinal` vote read as approval, a project approved twice on a ballot) is normalised and listed in
    `warnings`."""
    raw = await read_upload(request, max_bytes=settings.max_import_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    budget, election, warnings = await service_pabulib.import_pabulib(session, ctx, text, title=title)
    response.headers["Location"] = budget_url(ctx, budget.id)
    assert budget.ballots_sha256 is not None
    return PabulibImportRead(
        id=budget.id,
        title=budget.title,
        projects=len(election.projects),
        ballots=len(election.ballots),
        ballots_sha256=budget.ballots_sha256,
        warnings=warnings,
    )
