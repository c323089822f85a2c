"""HTTP routes of projects: list, create, read, edit, delete; import accepted proposals; open-data export."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.etag import check_if_match, etag_for
from civicapi.core.i18n import negotiate
from civicapi.core.pagination import MAX_SEED, Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.modules.budgets.catalog import service, service_proposals, service_read
from civicapi.modules.budgets.catalog.schemas import (
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    ProposalsImport,
    ProposalsImportRead,
)
from civicapi.modules.budgets.dependencies import (
    BUDGET,
    PROJECT,
    PROJECTS,
    Browsing,
    CurrentBudget,
    CurrentContext,
    CurrentProject,
    IfMatch,
    ManageBudgets,
    budget_url,
)
from civicapi.modules.budgets.models import Budget, Project
from civicapi.modules.budgets.settings import ComponentContext

router = GuardedRouter()


async def _read(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, project: Project, response: Response
) -> ProjectRead:
    response.headers["ETag"] = etag_for(project.id, project.updated_at)
    return await service.read_project(session, ctx, budget, project)


@router.get(
    PROJECTS,
    operation_id="budgets_projects_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="List the projects of a budget",
    responses=problem_responses(404, 422),
)
async def list_projects(
    request: Request,
    response: Response,
    scope: Browsing,
    session: SessionDep,
    page: Annotated[
        PageParams,
        Depends(sorted_by("position", "cost", "number", "created_at", default="position", also=("random",))),
    ],
    category: Annotated[str | None, Query(max_length=60)] = None,
    selected: Annotated[bool | None, Query(description="Funded (true) or not (false), once counted.")] = None,
    seed: Annotated[
        int | None,
        Query(ge=0, le=MAX_SEED, description="With `sort=random`: the shuffle (default: changes daily)."),
    ] = None,
) -> Page[ProjectRead]:
    """Sorts: `position` (default), `cost`, `number`, `created_at`, `random`. `random` shows the projects
    in a shuffled order, so that no project gains votes from always being listed first: each `seed`
    gives another order and always the same one (a front-end draws one per visitor), and its pages never
    repeat or skip a project. `votes` is null while the phase hides vote counts and the results are not
    published."""
    items, cursor = await service.list_projects(
        session, scope.ctx, scope.budget, page, category=category, selected=selected, seed=seed
    )
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)


@router.post(
    PROJECTS,
    operation_id="budgets_projects_create",
    summary="Create a project",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_project(
    caller: ManageBudgets,
    body: ProjectCreate,
    budget: CurrentBudget,
    ctx: CurrentContext,
    session: SessionDep,
    response: Response,
) -> ProjectRead:
    project = await service.create_project(session, ctx, budget, body)
    response.headers["Location"] = f"{budget_url(ctx, budget.id)}/projects/{project.id}"
    return await _read(session, ctx, budget, project, response)


@router.get(
    PROJECT,
    operation_id="budgets_projects_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One project",
    responses=problem_responses(404),
)
async def get_project(
    project: CurrentProject,
    budget: CurrentBudget,
    ctx: CurrentContext,
    session: SessionDep,
    response: Response,
) -> ProjectRead:
    return await _read(session, ctx, budget, project, response)


@router.patch(
    PROJECT,
    operation_id="budgets_projects_update",
    summary="Edit a project (the fields sent)",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_project(
    caller: ManageBudgets,
    body: ProjectUpdate,
    project: CurrentProject,
    budget: CurrentBudget,
    ctx: CurrentContext,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProjectRead:
    await check_if_match(session, project, if_match)
    project = await service.update_project(session, ctx, budget, project, body)
    return await _read(session, ctx, budget, project, response)


@router.delete(
    PROJECT,
    operation_id="budgets_projects_delete",
    summary="Delete a project that is on no ballot",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def delete_project(
    caller: ManageBudgets,
    project: CurrentProject,
    budget: CurrentBudget,
    ctx: CurrentContext,
    session: SessionDep,
) -> None:
    await service.delete_project(session, ctx, budget, project)


@router.post(
    BUDGET + "/proposal-imports",
    operation_id="budgets_import_proposals",
    summary="Import the accepted proposals of the process as projects (a proposal is imported once)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def import_proposals(
    caller: ManageBudgets,
    body: ProposalsImport,
    budget: CurrentBudget,
    ctx: CurrentContext,
    session: SessionDep,
) -> ProposalsImportRead:
    imported, skipped = await service_proposals.import_proposals(session, ctx, budget, body)
    return ProposalsImportRead(imported=imported, skipped=skipped)


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


@router.get(
    BUDGET + "/export",
    operation_id="budgets_projects_export",
    summary="Open data: the projects with their votes and results, as CSV or JSON",
    responses={
        **problem_responses(404, 422),
        200: {"content": {"text/csv": {"schema": {"type": "string"}}, "application/json": {}}},
    },
)
async def export_projects(
    scope: Browsing,
    session: SessionDep,
    format: Annotated[ExportFormat, Query(description="`csv` or `json`.")] = ExportFormat.json,
    locale: Annotated[str | None, Query(max_length=10, description="Language of the titles.")] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    ctx, budget = scope.ctx, scope.budget
    chosen = negotiate(locale, accept_language, ctx.commune.locales, ctx.commune.default_locale)
    rows = await service_read.export_rows(session, ctx, budget, locale=chosen)
    name = f"budget-{budget.id}-projects"
    if format is ExportFormat.csv:
        return Response(
            service_read.to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Content-Language": chosen},
        )
    body = "[" + ",".join(row.model_dump_json() for row in rows) + "]"
    return Response(body, media_type="application/json", headers={"Content-Language": chosen})
