"""Selected budget projects become results. The accountability module never reads the budgets module: it
keeps what the ``budgets.results_published`` event said (``handlers.py``) and links each new result to its
project and to the project's proposals through the core's resource links, so that a proposal shows what
became of it (``links_to``). Importing twice is harmless: a project already imported into the component is
skipped (and a unique constraint settles concurrent imports)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.links import ResourceRef, link
from civicapi.modules.accountability import audit_helpers as trail
from civicapi.modules.accountability.models import ProjectCandidate, Result
from civicapi.modules.accountability.repository import (
    PROJECT_LINK,
    PROPOSAL_LINK,
    CandidateRepository,
    ResultRepository,
)
from civicapi.modules.accountability.schemas import ResultCreate
from civicapi.modules.accountability.schemas_io import BudgetImport, SkippedProject
from civicapi.modules.accountability.service import create_result, status_by_key
from civicapi.modules.accountability.settings import ComponentContext


def _create(
    ctx: ComponentContext, candidate: ProjectCandidate, status: str | None, position: int
) -> ResultCreate:
    allowed = set(ctx.commune.locales)
    title = {k: v.strip()[:200] for k, v in candidate.title.items() if k in allowed and v and v.strip()}
    description = {
        k: v[:20_000] for k, v in candidate.description.items() if k in allowed and v and v.strip()
    }
    has_place = candidate.latitude is not None and candidate.longitude is not None
    return ResultCreate(
        title=title or {ctx.commune.default_locale: candidate.code or str(candidate.project_id)},
        description=description or None,
        status=status,
        planned_amount=candidate.cost,
        address=candidate.address,
        latitude=candidate.latitude if has_place else None,
        longitude=candidate.longitude if has_place else None,
        category=candidate.category,
        district=candidate.district,
        position=position,
    )


async def import_projects(
    session: AsyncSession, ctx: ComponentContext, data: BudgetImport
) -> tuple[list[Result], list[SkippedProject]]:
    await status_by_key(session, ctx, data.status)  # 422 for an unknown status, before anything is written
    candidates = await CandidateRepository(session, ctx.commune_id).selected_in_process(
        ctx.process.id, data.source_component_id
    )
    repo = ResultRepository(session, ctx.commune_id)
    done = await repo.imported_projects(ctx.component_id)
    created: list[Result] = []
    skipped: list[SkippedProject] = []
    for position, candidate in enumerate(candidates):
        if candidate.project_id in done:
            skipped.append(SkippedProject(project_id=candidate.project_id, reason="already_imported"))
            continue
        result = await create_result(
            session,
            ctx,
            _create(ctx, candidate, data.status, position),
            source_project_id=candidate.project_id,
            verb="import_project",
        )
        source = trail.ref("result", result.id)
        await link(
            session,
            commune_id=ctx.commune_id,
            source=source,
            target=ResourceRef("budgets", "project", candidate.project_id),
            name=PROJECT_LINK,
        )
        for proposal_id in candidate.proposal_ids:
            await link(
                session,
                commune_id=ctx.commune_id,
                source=source,
                target=ResourceRef("proposals", "proposal", uuid.UUID(str(proposal_id))),
                name=PROPOSAL_LINK,
            )
        done.add(candidate.project_id)
        created.append(result)
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="component",
        id=ctx.component_id,
        verb="import_projects",
        changes={"imported": len(created), "skipped": len(skipped)},
    )
    return created, skipped
