"""Reading results: one or a page (with their status, children count and links, in a fixed number of
queries), the component summary, a result's public history, and "what became of a proposal"."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.audit_repository import AuditRepository
from civicapi.core.audit import AuditEntry
from civicapi.core.errors import NotFound
from civicapi.core.pagination import PageParams
from civicapi.modules.accountability import audit_helpers as trail
from civicapi.modules.accountability.models import Result, Status
from civicapi.modules.accountability.repository import (
    ChildrenAggregate,
    ResultFilters,
    ResultRepository,
    StatusRepository,
)
from civicapi.modules.accountability.repository_summary import SummaryRepository
from civicapi.modules.accountability.rollup import aggregate_mean
from civicapi.modules.accountability.schemas import (
    LinkRead,
    ProposalResultRead,
    ResultRead,
    StatusBrief,
)
from civicapi.modules.accountability.schemas_io import DistrictSummary, StatusCount, SummaryRead
from civicapi.modules.accountability.settings import ComponentContext


def _fields(
    result: Result,
    status: Status | None,
    children: int,
    links: Sequence[Any],
) -> dict[str, Any]:
    return {
        "id": result.id,
        "component_id": result.component_id,
        "parent_id": result.parent_id,
        "reference": result.reference,
        "title": result.title,
        "description": result.description,
        "start_date": result.start_date,
        "end_date": result.end_date,
        "status": StatusBrief(key=status.key, name=status.name, progress=status.progress) if status else None,
        "progress": result.progress,
        "progress_rolled_up": children > 0,
        "weight": result.weight,
        "external_id": result.external_id,
        "planned_amount": result.planned_amount,
        "spent_amount": result.spent_amount,
        "address": result.address,
        "latitude": result.latitude,
        "longitude": result.longitude,
        "category": result.category,
        "district": result.district,
        "position": result.position,
        "children_count": children,
        "links": [LinkRead(module=k.to_module, type=k.to_type, id=k.to_id, name=k.name) for k in links],
        "created_at": result.created_at,
        "updated_at": result.updated_at,
    }


async def _context(
    session: AsyncSession, commune_id: uuid.UUID, results: Sequence[Result]
) -> tuple[dict[uuid.UUID, Status], dict[uuid.UUID, int], dict[uuid.UUID, list[Any]]]:
    repo = ResultRepository(session, commune_id)
    ids = [r.id for r in results]
    statuses = await StatusRepository(session, commune_id).by_ids(
        {r.status_id for r in results if r.status_id}
    )
    return statuses, await repo.children_counts(ids), await repo.links_of(ids)


async def result_reads(
    session: AsyncSession, ctx: ComponentContext, results: Sequence[Result]
) -> list[ResultRead]:
    statuses, counts, links = await _context(session, ctx.commune_id, results)
    return [
        ResultRead(
            **_fields(
                r,
                statuses.get(r.status_id) if r.status_id else None,
                counts.get(r.id, 0),
                links.get(r.id, []),
            )
        )
        for r in results
    ]


async def read_result(session: AsyncSession, ctx: ComponentContext, result: Result) -> ResultRead:
    return (await result_reads(session, ctx, [result]))[0]


async def list_results(
    session: AsyncSession,
    ctx: ComponentContext,
    params: PageParams,
    filters: ResultFilters,
    *,
    status_key: str | None = None,
) -> tuple[list[ResultRead], str | None]:
    if status_key is not None:
        status = await StatusRepository(session, ctx.commune_id).by_key(ctx.component_id, status_key)
        if status is None:
            return [], None
        filters = replace(filters, status_id=status.id)
    rows, cursor = await ResultRepository(session, ctx.commune_id).page(ctx.component_id, params, filters)
    return await result_reads(session, ctx, rows), cursor


async def summary(session: AsyncSession, ctx: ComponentContext) -> SummaryRead:
    """Three queries whatever the number of results: the statuses, counts by status, top-level results by
    district (their sums give the totals)."""
    statuses = {
        s.id: s for s in await StatusRepository(session, ctx.commune_id).all_of_component(ctx.component_id)
    }
    repo = SummaryRepository(session, ctx.commune_id)
    by_status = await repo.by_status(ctx.component_id)
    districts = await repo.top_level_by_district(ctx.component_id)

    def agg(rows: Sequence[Any]) -> ChildrenAggregate:
        return ChildrenAggregate(
            sum(r.count for r in rows),
            sum(r.weighted_sum for r in rows),
            sum(r.weight_total for r in rows),
            sum(r.plain_sum for r in rows),
        )

    def rank(row: Any) -> tuple[int, int, str]:
        status = statuses.get(row.status_id) if row.status_id else None
        return (0, status.position, status.key) if status else (1, 0, "")

    status_counts = sorted(by_status, key=rank)
    return SummaryRead(
        results_count=sum(r.count for r in by_status),
        top_level_count=sum(r.count for r in districts),
        progress=aggregate_mean(agg(districts)),
        planned_amount=sum(r.planned_amount for r in districts),
        spent_amount=sum(r.spent_amount for r in districts),
        by_status=[
            StatusCount(
                key=statuses[r.status_id].key if r.status_id in statuses else None,
                name=statuses[r.status_id].name if r.status_id in statuses else None,
                count=r.count,
                top_level_count=r.top_level_count,
            )
            for r in status_counts
        ],
        by_district=[
            DistrictSummary(
                district=r.district,
                count=r.count,
                progress=aggregate_mean(agg([r])) or 0.0,
                planned_amount=r.planned_amount,
                spent_amount=r.spent_amount,
            )
            for r in sorted(districts, key=lambda r: (r.district is None, r.district or ""))
        ],
    )


async def history(
    session: AsyncSession, ctx: ComponentContext, result: Result, params: PageParams
) -> tuple[list[AuditEntry], str | None]:
    """The result's public audit entries, oldest first (empty while the component was unpublished)."""
    return await AuditRepository(session, ctx.commune_id).public_history(
        trail.ref("result", result.id), params
    )


async def results_of_proposal(
    session: AsyncSession, commune_id: uuid.UUID, proposal_id: uuid.UUID, *, include_hidden: bool
) -> list[ProposalResultRead]:
    """What became of a proposal: the results linked to it, in components the caller may see; 404 when
    there is none (an unknown proposal, another commune's, or one not carried out yet), as the platform's
    public history answers for a resource without public entries."""
    rows = await ResultRepository(session, commune_id).linked_to(
        "proposals", "proposal", proposal_id, include_hidden=include_hidden
    )
    if not rows:
        raise NotFound(f"no result is linked to proposal {proposal_id} here (yet)", reason="no_result")
    results = [r for r, _ in rows]
    statuses, counts, links = await _context(session, commune_id, results)
    return [
        ProposalResultRead(
            **_fields(
                r,
                statuses.get(r.status_id) if r.status_id else None,
                counts.get(r.id, 0),
                links.get(r.id, []),
            ),
            process_id=process_id,
        )
        for r, process_id in rows
    ]
