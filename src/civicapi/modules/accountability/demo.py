"""The accountability's part of the demo (``civicapi seed-demo``): the results of last year's vote
(``bp-2025``) under way. The funded projects, imported from the published results that the budgets' demo,
run before, published (``budgets.results_published``, delivered before this seeder runs), with statuses,
progress, amounts spent and milestones.

Through the services, as an administrator's requests would. Seeding again adds nothing: when the process
has its accountability component, the seeder only answers its results."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.links import ResourceRef
from civicapi.modules.accountability import service as results
from civicapi.modules.accountability import service_budgets as results_import
from civicapi.modules.accountability import service_milestones as milestones
from civicapi.modules.accountability import service_statuses as statuses
from civicapi.modules.accountability.repository import ResultRepository
from civicapi.modules.accountability.schemas import MilestoneCreate, ResultUpdate, StatusCreate
from civicapi.modules.accountability.schemas_io import BudgetImport
from civicapi.modules.accountability.settings import (
    AccountabilityComponentSettings,
    AccountabilityStepSettings,
)
from civicapi.modules.accountability.settings import ComponentContext as ResultsContext
from civicapi.registry import DemoContext
from civicapi.spaces.demo import add_component, component_of, demo_spot
from civicapi.spaces.service import today_in

LAST_YEAR = "bp-2025"

# What became of the funded projects, in the order of the published results: (status, spent share in %).
UNDER_WAY = (("done", 98), ("works", 55), ("works", 30), ("planned", 0))


async def seed(session: AsyncSession, context: DemoContext) -> list[ResourceRef]:
    """Last year's results under way, once; answers the references of the results (made or found)."""
    spot = await demo_spot(session, context, LAST_YEAR, "accountability")
    if spot is None:
        return []
    commune, process, component = spot.commune, spot.process, spot.component
    if component is None:
        budgets_component = await component_of(session, commune.id, process, "budgets")
        name = {"fr": "Suivi des projets", "nl": "Opvolging van de projecten", "en": "Project tracking"}
        component = await add_component(
            session, context.registry, commune, process, "accountability", name, {}
        )
        ctx = ResultsContext(
            commune,
            component,
            process,
            AccountabilityComponentSettings(),
            AccountabilityStepSettings(),
            today_in(commune.timezone),
        )
        await _results_under_way(session, ctx, budgets_component.id if budgets_component else None)
    made = await ResultRepository(session, commune.id).all_of_component(component.id)
    return [ResourceRef("accountability", "result", result.id) for result in made]


async def _results_under_way(
    session: AsyncSession, ctx: ResultsContext, budgets_component_id: uuid.UUID | None
) -> None:
    """The statuses, then the funded projects of the budgets component as results, four under way."""
    await _statuses(session, ctx)
    created, _ = await results_import.import_projects(
        session, ctx, BudgetImport(source_component_id=budgets_component_id, status="planned")
    )
    today = ctx.today
    for result, (status, spent) in zip(created, UNDER_WAY, strict=False):
        await results.update_result(
            session,
            ctx,
            result,
            ResultUpdate(
                status=status,
                start_date=today - timedelta(days=200),
                end_date=today + timedelta(days=120 if status != "done" else -20),
                spent_amount=(result.planned_amount or 0) * spent // 100,
            ),
        )
        await milestones.create_milestone(
            session,
            ctx,
            result,
            MilestoneCreate(
                entry_date=today - timedelta(days=200),
                title={"fr": "Lancement du chantier", "en": "Works start"},
                description={"fr": "Le marché public est attribué.", "en": "The public contract is awarded."},
            ),
        )


async def _statuses(session: AsyncSession, ctx: ResultsContext) -> None:
    for position, (key, fr, en, progress) in enumerate(
        (
            ("planned", "Planifié", "Planned", 0),
            ("works", "Travaux en cours", "Works under way", 50),
            ("done", "Terminé", "Done", 100),
        )
    ):
        await statuses.create_status(
            session,
            ctx,
            StatusCreate(key=key, name={"fr": fr, "en": en}, progress=progress, position=position),
        )
