"""Reads built from several tables: where the caller may vote (eligibility), how many take part
(participation), and the open-data export of projects with their results."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import tabular
from civicapi.core.errors import ProblemError
from civicapi.core.i18n import translate
from civicapi.identity.verification.requirements import RequirementStatus
from civicapi.modules.budgets.catalog.repository import BudgetRepository, ProjectRepository
from civicapi.modules.budgets.catalog.schemas import ExportRow
from civicapi.modules.budgets.catalog.service import votes_visible, voting_open
from civicapi.modules.budgets.models import DRAFT, ONLINE, PAPER, VOTED, Budget
from civicapi.modules.budgets.settings import ComponentContext
from civicapi.modules.budgets.voting.repository import VoterRepository
from civicapi.modules.budgets.voting.schemas import (
    BudgetEligibility,
    EligibilityRead,
    ParticipationDay,
    ParticipationRead,
)
from civicapi.modules.budgets.voting.service_voters import Identity, choose_slot, ensure_open, online_identity


async def participation(session: AsyncSession, ctx: ComponentContext, budget: Budget) -> ParticipationRead:
    """Counted from the ballots (an imported vote has ballots and no register) and, by day, from the
    register's times (none for an imported vote)."""
    tally = await BudgetRepository(session, ctx.commune_id).ballot_tally(budget.id)
    days = await VoterRepository(session, ctx.commune_id).cast_per_day(budget.id, ctx.commune.timezone)
    return ParticipationRead(
        budget_id=budget.id,
        cast=sum(n for (status, _), n in tally.items() if status != DRAFT),
        in_progress=sum(n for (status, _), n in tally.items() if status == DRAFT),
        by_channel={
            channel: sum(n for (status, ch), n in tally.items() if status != DRAFT and ch == channel)
            for channel in (ONLINE, PAPER)
        },
        by_day=[ParticipationDay(date=day, cast=days[day]) for day in sorted(days)],
        voting_open=voting_open(ctx, budget),
    )


async def eligibility(
    session: AsyncSession, ctx: ComponentContext, user_id: uuid.UUID | None
) -> EligibilityRead:
    budgets = await BudgetRepository(session, ctx.commune_id).all_of_component(ctx.component_id)
    identity: Identity | None = None
    status = RequirementStatus.not_logged_in.value
    reason: str | None = "not_logged_in"
    if user_id is not None:
        try:
            identity = await online_identity(session, ctx, user_id)
            status, reason = RequirementStatus.ok.value, None
        except ProblemError as exc:
            status = str(exc.extras.get("requirement", {}).get("status", "missing"))
            reason = str(exc.extras.get("reason"))
    voters = VoterRepository(session, ctx.commune_id)
    out = []
    for budget in budgets:
        ballot_status = None
        why = reason
        if identity is not None:
            mine = await voters.of_key(budget.id, identity.voter_key)
            if mine is not None:
                ballot_status = "checked_out" if mine.status == VOTED else "draft"
            try:
                ensure_open(ctx, budget)
                await choose_slot(session, ctx, budget, identity)
                why = None
            except ProblemError as exc:
                why = str(exc.extras.get("reason"))
            if mine is not None and mine.status == VOTED and why is None:
                why = "already_voted"
        out.append(
            BudgetEligibility(
                budget_id=budget.id, may_vote=why is None, reason=why, ballot_status=ballot_status
            )
        )
    return EligibilityRead(
        voting_open=any(voting_open(ctx, b) for b in budgets),
        workflow=ctx.settings.workflow.value,
        requirements_status=status,
        district=identity.district if identity is not None else None,
        budgets=out,
    )


async def export_rows(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, *, locale: str
) -> list[ExportRow]:
    projects = await ProjectRepository(session, ctx.commune_id).all_of_budget(budget.id)
    published = (
        {p["project_id"]: p for p in (budget.results or {}).get("projects", [])}
        if budget.results_published_at
        else {}
    )
    live = (
        await ProjectRepository(session, ctx.commune_id).vote_counts(budget.id)
        if votes_visible(ctx, budget)
        else None
    )
    rows = []
    for p in projects:
        result: dict[str, Any] = published.get(str(p.id), {})
        votes = result.get("votes", live.get(p.id, 0) if live is not None else None)
        rows.append(
            ExportRow(
                id=p.id,
                budget_id=budget.id,
                code=p.code,
                title=translate(p.title, locale, ctx.commune.default_locale),
                cost=p.cost,
                category=p.category,
                district=budget.district,
                address=p.address,
                latitude=p.latitude,
                longitude=p.longitude,
                votes=votes,
                selected=p.selected,
                rank=result.get("rank"),
                reason=result.get("reason"),
            )
        )
    return rows


def to_csv(rows: list[ExportRow]) -> str:
    fields = list(ExportRow.model_fields)
    return tabular.csv_text(fields, ([getattr(row, k) for k in fields] for row in rows))
