"""Accepted proposals become projects. The budgets module never reads the proposals module: it keeps what
the ``proposals.*`` events said (``budgets_proposal_candidate``) and links each imported project to its
proposal through the core's resource links. Importing twice is harmless: a proposal already imported into
the component is skipped (and a unique constraint settles concurrent imports)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.links import ResourceRef, link
from civicapi.modules.budgets import audit_helpers as audit
from civicapi.modules.budgets.catalog.repository import PROPOSAL_LINK, CandidateRepository, ProjectRepository
from civicapi.modules.budgets.catalog.schemas import (
    ProjectCreate,
    ProjectRead,
    ProposalsImport,
    SkippedProposal,
)
from civicapi.modules.budgets.catalog.service import create_project, project_reads
from civicapi.modules.budgets.models import Budget, ProposalCandidate
from civicapi.modules.budgets.settings import ComponentContext


def _fold(value: str | None) -> str:
    return (value or "").strip().casefold()


def _description(candidate: ProposalCandidate) -> dict[str, str] | None:
    return {k: v[:20_000] for k, v in candidate.body.items() if v} or None


async def import_proposals(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, data: ProposalsImport
) -> tuple[list[ProjectRead], list[SkippedProposal]]:
    candidates = await CandidateRepository(session, ctx.commune_id).accepted_in_process(
        ctx.process.id, data.source_component_id
    )
    done = await ProjectRepository(session, ctx.commune_id).imported_proposals(ctx.component_id)
    skipped: list[SkippedProposal] = []
    created = []
    allowed = set(ctx.commune.locales)
    for candidate in candidates:
        reason = None
        cost = candidate.cost if candidate.cost is not None else data.default_cost
        if candidate.proposal_id in done:
            reason = "already_imported"
        elif data.match_district and budget.district and _fold(candidate.district) != _fold(budget.district):
            reason = "other_district"
        elif cost is None:
            reason = "no_cost"
        if reason is not None:
            skipped.append(SkippedProposal(proposal_id=candidate.proposal_id, reason=reason))
            continue
        assert cost is not None
        title = {k: v[:200] for k, v in candidate.title.items() if k in allowed and v.strip()}
        description = _description(candidate)
        project = await create_project(
            session,
            ctx,
            budget,
            ProjectCreate(
                title=title
                or {ctx.commune.default_locale: candidate.reference or str(candidate.proposal_id)},
                description={k: v for k, v in (description or {}).items() if k in allowed} or None,
                cost=cost,
                address=(candidate.address or "")[:300] or None,
                latitude=candidate.latitude,
                longitude=candidate.longitude,
                category=(candidate.category or "")[:60] or None,
            ),
            source_proposal_id=candidate.proposal_id,
        )
        await link(
            session,
            commune_id=ctx.commune_id,
            source=audit.ref("project", project.id),
            target=ResourceRef("proposals", "proposal", candidate.proposal_id),
            name=PROPOSAL_LINK,
        )
        done.add(candidate.proposal_id)
        created.append(project)
    audit.record(
        session,
        commune_id=ctx.commune_id,
        kind="budget",
        id=budget.id,
        verb="import_proposals",
        changes={"imported": len(created), "skipped": len(skipped)},
    )
    return await project_reads(session, ctx, budget, created), skipped
