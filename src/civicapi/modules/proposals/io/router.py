"""HTTP routes of open-data export (CSV, JSON) and CSV import."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Response

from civicapi.communes.dependencies import Caller, require
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import Order, Page, PageParams, memory_page, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.core.uploads import IMPORT_BODY_EXTRA
from civicapi.identity.verification.errors import UnsupportedMediaType
from civicapi.modules.proposals import permissions
from civicapi.modules.proposals.common import reading
from civicapi.modules.proposals.dependencies import COMPONENT, CurrentContext, ViewerDep
from civicapi.modules.proposals.io import service
from civicapi.modules.proposals.schemas import ImportRead, ProposalExport

router = GuardedRouter()

Importer = Annotated[Caller, Depends(require(permissions.IMPORT))]
CSV_MEDIA_TYPE = "text/csv"
IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "description": "UTF-8 CSV with a header line (`,` or `;`): `title_<locale>` (at least one), "
        "`body_<locale>`, `category`, `district`, `address`, `latitude`, `longitude`, `author_name` (all "
        "optional). Rows without `author_name` become official proposals.",
        "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
    },
    **IMPORT_BODY_EXTRA,
}


@router.get(
    COMPONENT + "/export.csv",
    operation_id="proposals_export_csv",
    summary="Open data: the component's published proposals as CSV",
    response_class=Response,
    responses={200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}}, **problem_responses(404)},
)
async def export_csv(ctx: CurrentContext, viewer: ViewerDep, session: SessionDep) -> Response:
    """One column per commune locale for multilingual fields (`title_fr`, `title_nl`...); only published
    answers; support counts empty while the phase hides them; authors by public name only."""
    rows = await service.export_rows(session, ctx, counts_visible=reading.counts_visible(ctx, viewer))
    return Response(
        service.export_csv(rows, ctx.commune.locales),
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="proposals-{ctx.component_id}.csv"'},
    )


@router.get(
    COMPONENT + "/export.json",
    operation_id="proposals_export_json",
    summary="Open data: the component's published proposals as JSON",
    responses=problem_responses(404),
)
async def export_json(
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("published_at", default="published_at"))],
    request: Request,
    response: Response,
) -> Page[ProposalExport]:
    rows = await service.export_rows(session, ctx, counts_visible=reading.counts_visible(ctx, viewer))
    return memory_page(
        request,
        response,
        rows,
        page,
        Order("published_at", lambda p: (p.published_at or _NEVER, p.id), (datetime, uuid.UUID)),
    )


_NEVER = datetime.min.replace(tzinfo=UTC)


@router.post(
    COMPONENT + "/import",
    operation_id="proposals_import",
    summary="Import proposals from CSV (all or nothing; every row's problems are listed)",
    openapi_extra=IMPORT_BODY,
    responses=problem_responses(401, 403, 404, 413, 415, 422),
)
async def import_proposals(
    request: Request, _caller: Importer, ctx: CurrentContext, session: SessionDep
) -> ImportRead:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != CSV_MEDIA_TYPE:
        raise UnsupportedMediaType("send the proposals as text/csv", accepted=[CSV_MEDIA_TYPE])
    return await service.import_proposals(session, ctx, await request.body())
