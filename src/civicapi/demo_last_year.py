"""What came before and after last year's vote in the demo commune (``civicapi seed-demo``), so that every
built-in module has something to show:

* proposals: the call for proposals of ``bp-2025`` (the process of last year's vote). The three demo
  residents proposed the ten projects that were put to the vote and two that were not; they supported each
  other's proposals; the commune answered every one (accepted with its cost, or rejected with a reason).
  Each project of last year's budget links to the proposal it came from, so its result does too.
* accountability: the results of last year's vote under way. The funded projects, imported from the
  published results (``budgets.results_published``), with statuses, progress, amounts spent and milestones.

Everything goes through the services, as an administrator's and the residents' requests would. Seeding
again adds nothing: each part is skipped when its component exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.core.links import ResourceRef, link
from civicapi.identity.models import User
from civicapi.identity.repository import UserRepository
from civicapi.modules.accountability import service as results
from civicapi.modules.accountability import service_budgets as results_import
from civicapi.modules.accountability import service_milestones as milestones
from civicapi.modules.accountability import service_statuses as statuses
from civicapi.modules.accountability.schemas import MilestoneCreate, ResultUpdate, StatusCreate
from civicapi.modules.accountability.schemas_io import BudgetImport
from civicapi.modules.accountability.settings import (
    AccountabilityComponentSettings,
    AccountabilityStepSettings,
)
from civicapi.modules.accountability.settings import ComponentContext as ResultsContext
from civicapi.modules.budgets.catalog.repository import PROPOSAL_LINK, ProjectRepository
from civicapi.modules.budgets.models import Budget
from civicapi.modules.proposals.answers import service as answers
from civicapi.modules.proposals.lifecycle import service as proposals
from civicapi.modules.proposals.models import Proposal
from civicapi.modules.proposals.schemas import AnswerCreate, ProposalCreate
from civicapi.modules.proposals.settings import ComponentContext as ProposalsContext
from civicapi.modules.proposals.settings import ProposalsComponentSettings, ProposalsStepSettings
from civicapi.modules.proposals.supports import service as supports
from civicapi.registry import ModuleRegistry
from civicapi.spaces import service as spaces
from civicapi.spaces import service_components as components
from civicapi.spaces.models import Component, ParticipatoryProcess, Phase
from civicapi.spaces.repository import ComponentRepository, ProcessRepository
from civicapi.spaces.schemas import ComponentCreate, PhaseCreate
from civicapi.spaces.service import today_in

RESIDENTS = ("resident@demo.civicapi.org", "resident2@demo.civicapi.org", "resident3@demo.civicapi.org")

# The two proposals that were not put to the vote: (title fr, title en, answer fr, answer en).
REJECTED = (
    (
        "Un téléphérique vers la citadelle",
        "A cable car to the citadel",
        "Son coût dépasse de loin le budget participatif.",
        "Its cost is far beyond the participatory budget.",
    ),
    (
        "Parking gratuit au centre-ville",
        "Free parking downtown",
        "Le stationnement ne relève pas du budget participatif.",
        "Parking is not within the participatory budget.",
    ),
)

# What became of the funded projects, in the order of the published results: (status, spent share in %).
UNDER_WAY = (("done", 98), ("works", 55), ("works", 30), ("planned", 0))


async def add_phase(
    session: AsyncSession,
    commune: Commune,
    process: ParticipatoryProcess,
    title: dict[str, str],
    *,
    days: tuple[int, int],
) -> Phase:
    """A phase of ``process`` from ``days[0]`` to ``days[1]`` days from today (in the commune's zone)."""
    today = today_in(commune.timezone)
    phase = await spaces.create_phase(
        session,
        commune,
        process,
        PhaseCreate(
            title=title,
            start_date=today + timedelta(days=days[0]),
            end_date=today + timedelta(days=days[1]),
        ),
    )
    process.phases.append(phase)
    return phase


async def add_component(
    session: AsyncSession,
    registry: ModuleRegistry,
    commune: Commune,
    process: ParticipatoryProcess,
    module_key: str,
    name: dict[str, str],
    settings: dict[str, Any],
    step_settings: dict[uuid.UUID, dict[str, Any]] | None = None,
) -> Component:
    """A published component of ``process``."""
    data = ComponentCreate(
        module_key=module_key, name=name, settings=settings, step_settings=step_settings or {}
    )
    component = await components.create_component(session, registry, commune, process, data)
    await spaces.set_published(session, component, True)
    return component


async def seed_call_for_proposals(
    session: AsyncSession,
    registry: ModuleRegistry,
    commune: Commune,
    process: ParticipatoryProcess,
    projects: Sequence[tuple[str, str, int, str, str, float, float]],
) -> list[uuid.UUID]:
    """Last year's call for proposals in ``process``: one accepted proposal per project of ``projects``
    (the same order; their ids are returned) and the rejected ones."""
    if registry.get("proposals") is None:
        return []
    today = today_in(commune.timezone)
    phase = await add_phase(
        session,
        commune,
        process,
        {"fr": "Appel à propositions", "nl": "Oproep tot voorstellen", "en": "Call for proposals"},
        days=(-460, -401),
    )
    step = ProposalsStepSettings(
        creation_enabled=True,
        supports_enabled=True,
        answering_enabled=True,
        publish_answers_immediately=True,
        answers_with_costs=True,
    )
    name = {"fr": "Vos idées pour 2025", "nl": "Uw ideeën voor 2025", "en": "Your ideas for 2025"}
    component = await add_component(
        session,
        registry,
        commune,
        process,
        "proposals",
        name,
        {"geolocation_enabled": True},
        {phase.id: step.model_dump()},
    )
    # The phase of the call is over; the context is the one its requests had then.
    settings = ProposalsComponentSettings(geolocation_enabled=True)
    ctx = ProposalsContext(commune, component, process, settings, step, today)
    people = [await _user(session, email) for email in RESIDENTS]
    accepted: list[uuid.UUID] = []
    for number, (fr, en, cost, category, address, lat, lon) in enumerate(projects):
        place = {"address": f"{address}, {commune.name}", "latitude": lat, "longitude": lon}
        proposal = await _propose(session, ctx, people[number % len(people)], fr, en, category, place)
        for supporter in people[: 1 + number % len(people)]:
            await supports.support_proposal(session, ctx, proposal, user=supporter, counts_hidden=False)
        await answers.answer_proposal(
            session,
            ctx,
            proposal,
            AnswerCreate(
                state="accepted",
                answer={"fr": "Le collège retient la proposition.", "en": "The council accepts it."},
                cost=cost,
                cost_explanation={
                    "fr": "Estimation des services techniques.",
                    "en": "Public works estimate.",
                },
                execution_period={"fr": "2026", "en": "2026"},
            ),
        )
        accepted.append(proposal.id)
    for number, (fr, en, why_fr, why_en) in enumerate(REJECTED):
        proposal = await _propose(session, ctx, people[number], fr, en, None, {})
        await answers.answer_proposal(
            session, ctx, proposal, AnswerCreate(state="rejected", answer={"fr": why_fr, "en": why_en})
        )
    return accepted


async def _user(session: AsyncSession, email: str) -> User:
    user = await UserRepository(session).by_email(email)
    assert user is not None, f"the demo person {email} is seeded first"
    return user


async def _propose(
    session: AsyncSession,
    ctx: ProposalsContext,
    author: User,
    fr: str,
    en: str,
    category: str | None,
    place: dict[str, Any],
) -> Proposal:
    proposal = await proposals.create_proposal(
        session,
        ctx,
        ProposalCreate(
            title={"fr": fr, "en": en},
            body={
                "fr": f"{fr} : une idée d'habitant pour rendre la commune plus agréable à vivre.",
                "en": f"{en}: a resident's idea to make the commune a nicer place to live.",
            },
            category=category,
            **place,
        ),
        user=author,
        may_official=False,
    )
    return await proposals.publish_proposal(session, ctx, proposal, user=author, may_official=False)


async def link_projects_to_proposals(
    session: AsyncSession, commune: Commune, budget: Budget, proposal_ids: Sequence[uuid.UUID]
) -> None:
    """Each project of an imported Pabulib budget (codes 1, 2, ...) links to the proposal it came from, as
    ``POST .../projects/from-proposals`` links the projects it creates."""
    projects = await ProjectRepository(session, commune.id).all_of_budget(budget.id)
    by_code = {project.code: project for project in projects}
    for number, proposal_id in enumerate(proposal_ids):
        project = by_code.get(str(number + 1))
        if project is not None:
            await link(
                session,
                commune_id=commune.id,
                source=ResourceRef("budgets", "project", project.id),
                target=ResourceRef("proposals", "proposal", proposal_id),
                name=PROPOSAL_LINK,
            )


async def seed_results(session: AsyncSession, registry: ModuleRegistry, commune: Commune, slug: str) -> bool:
    """Accountability of the vote of process ``slug``: its funded projects as results under way. False
    when there is nothing to do (no such process, no module, or done already)."""
    process = await ProcessRepository(session, commune.id).by_slug(slug)
    if registry.get("accountability") is None or process is None:
        return False
    existing = await ComponentRepository(session, commune.id).of_process(process.id)
    if any(c.module_key == "accountability" for c in existing):
        return False
    budgets_component = next((c for c in existing if c.module_key == "budgets"), None)
    name = {"fr": "Suivi des projets", "nl": "Opvolging van de projecten", "en": "Project tracking"}
    component = await add_component(session, registry, commune, process, "accountability", name, {})
    ctx = ResultsContext(
        commune,
        component,
        process,
        AccountabilityComponentSettings(),
        AccountabilityStepSettings(),
        today_in(commune.timezone),
    )
    await _statuses(session, ctx)
    created, _ = await results_import.import_projects(
        session,
        ctx,
        BudgetImport(
            source_component_id=budgets_component.id if budgets_component else None, status="planned"
        ),
    )
    today = today_in(commune.timezone)
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
    return True


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
