"""HTTP routes of bulk operations: CSV import, open-data export (CSV, JSON), import of the selected
projects of a budgets component."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import Order, Page, PageParams, memory_page, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.core.uploads import IMPORT_BODY_EXTRA
from civicapi.identity.verification.errors import UnsupportedMediaType
from civicapi.modules.accountability import service_budgets, service_export, service_import, service_read
from civicapi.modules.accountability.dependencies import (
    COMPONENT,
    CurrentContext,
    ImportResults,
    ManageResults,
)
from civicapi.modules.accountability.schemas_io import (
    BudgetImport,
    BudgetImportRead,
    ImportRead,
    ResultExport,
)

router = GuardedRouter()

CSV_MEDIA_TYPE = "text/csv"
IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": "UTF-8 CSV with a header line (`,` or `;`), the columns of the CSV export: `id`, "
        "`external_id`, `parent_id`, `parent_external_id`, `reference`, `title_<locale>`, "
        "`description_<locale>`, `start_date`, `end_date`, `status` (a key), `progress`, `weight`, "
        "`planned_amount`, `spent_amount`, `address`, `latitude`, `longitude`, `category`, `district`, "
        "`position` (the export's read-only columns are ignored). A row updates the result of its `id`, else "
        "of its `external_id`, else creates one; an empty cell changes nothing.",
        "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
    },
    **IMPORT_BODY_EXTRA,
}
_CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}}
}


@router.post(
    COMPONENT + "/import",
    operation_id="accountability_import",
    summary="Create and update results from CSV (all or nothing; every row's problems are listed)",
    openapi_extra=IMPORT_BODY,
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
)
async def import_results(
    request: Request, caller: ImportResults, ctx: CurrentContext, session: SessionDep
) -> ImportRead:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != CSV_MEDIA_TYPE:
        raise UnsupportedMediaType("send the results as text/csv", accepted=[CSV_MEDIA_TYPE])
    return await service_import.import_results(session, ctx, await request.body())


@router.get(
    COMPONENT + "/export.csv",
    operation_id="accountability_export_csv",
    summary="Open data: the component's results as CSV (the import's columns)",
    response_class=Response,
    responses={**_CSV_RESPONSE, **problem_responses(404)},
)
async def export_csv(ctx: CurrentContext, session: SessionDep) -> Response:
    """Parents before children; one column per commune locale for multilingual fields (`title_fr`...)."""
    rows = await service_export.export_rows(session, ctx)
    return Response(
        service_export.export_csv(rows, ctx.commune.locales),
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="results-{ctx.component_id}.csv"'},
    )


@router.get(
    COMPONENT + "/export.json",
    operation_id="accountability_export_json",
    summary="Open data: the component's results as JSON",
    responses=problem_responses(404),
)
async def export_json(
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("depth", default="depth"))],
    request: Request,
    response: Response,
) -> Page[ResultExport]:
    """Parents before children (`sort=depth`: by depth in the tree, then position)."""
    rows = await service_export.export_rows(session, ctx)
    depth: dict[uuid.UUID, int] = {}
    for row in rows:  # in tree order: a parent comes before its children
        depth[row.id] = depth.get(row.parent_id, -1) + 1 if row.parent_id else 0
    return memory_page(
        request,
        response,
        rows,
        page,
        Order("depth", lambda x: (depth[x.id], x.position, x.id), (int, int, uuid.UUID)),
    )


@router.post(
    COMPONENT + "/budget-imports",
    operation_id="accountability_import_budget_projects",
    summary="Import the selected projects of the process's budgets as results (a project is imported once)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def import_budget_projects(
    caller: ManageResults,
    body: BudgetImport,
    ctx: CurrentContext,
    session: SessionDep,
) -> BudgetImportRead:
    """Projects selected by published budget results of the same process (kept from the budgets module's
    `budgets.results_published` event) become top-level results with their title, description, cost (as
    planned amount), place, category and district, linked to the project and to its proposals."""
    imported, skipped = await service_budgets.import_projects(session, ctx, body)
    return BudgetImportRead(imported=await service_read.result_reads(session, ctx, imported), skipped=skipped)
