"""The budgets' part of the demo (``civicapi seed-demo``; the README shows how to use it).

* ``bp-demo``: a published process whose vote is open, so that a newcomer can vote at once. One budgets
  component, district workflow: each resident votes in the budget of their district (from the demo
  census: Centre, Nord, Sud) and in the city-wide one; knapsack ballots spending at least half of a
  budget; census-verified residents only; reminders sent automatically to those who leave a ballot
  unfinished; counted with the Method of Equal Shares (add1).
* ``bp-2025``: last year's vote, closed, counted and published: 400 approval ballots drawn by a seeded
  generator and imported as a Pabulib file (``POST .../budgets/pabulib``'s service), counted with MES
  add1. Its results, its ballots file and digest, and ``civicapi recount --url`` can be tried at once.
  Its projects came from the residents' proposals of the same process (the proposals' demo, run before:
  each project links to the proposal of its title), and its funded projects are followed in
  accountability (whose demo runs after, once the published results have reached it).

Everything goes through the services, as an administrator's requests would. Seeding again adds nothing:
each vote is skipped when its process has a budgets component.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.core.links import ResourceRef, link
from civicapi.modules.budgets.catalog import service as budgets
from civicapi.modules.budgets.catalog import service_pabulib
from civicapi.modules.budgets.catalog.repository import (
    PROPOSAL_LINK,
    BudgetRepository,
    CandidateRepository,
    ProjectRepository,
)
from civicapi.modules.budgets.catalog.schemas import BudgetCreate, ProjectCreate
from civicapi.modules.budgets.dependencies import make_context
from civicapi.modules.budgets.models import Budget
from civicapi.modules.budgets.results import service as service_count
from civicapi.modules.budgets.settings import ComponentContext
from civicapi.modules.budgets.voting.schemas import CountCreate
from civicapi.registry import DemoContext, ModuleRegistry
from civicapi.spaces.demo import add_component, add_phase, demo_spot
from civicapi.spaces.models import Component, ParticipatoryProcess
from civicapi.spaces.service import current_phase
from civicapi.spaces.settings import resolve_settings

PROCESS_SLUG = "bp-demo"
LAST_YEAR_SLUG = "bp-2025"
LAST_YEAR_VOTERS = 400

SETTINGS: dict[str, Any] = {
    "ballot_kind": "knapsack",
    "knapsack_rule": "minimum_percent",
    "minimum_percent": 50,
    "workflow": "district",
    "citywide_budgets": 1,
    "vote_requirements": [{"handler": "census"}],
    "counting_rule": "mes_add1",
    "vote_reminders": True,
}

# (district or None for the city, amount, title, [(title fr, title en, cost, category, address, lat, lon)])
BUDGETS: tuple[
    tuple[str | None, int, dict[str, str], list[tuple[str, str, int, str, str, float, float]]], ...
] = (
    (
        None,
        300_000,
        {"fr": "Budget de la ville", "nl": "Stadsbudget", "en": "City budget"},
        [
            (
                "Pistes cyclables sur les quais",
                "Cycle lanes along the quays",
                120_000,
                "mobility",
                "Quai de la Batte",
                50.6433,
                5.5797,
            ),
            (
                "Un parc de jeux inclusif",
                "An inclusive playground",
                80_000,
                "parks",
                "Parc de la Boverie",
                50.6350,
                5.5770,
            ),
            (
                "Fontaines d'eau potable",
                "Drinking fountains",
                30_000,
                "environment",
                "Place Saint-Lambert",
                50.6450,
                5.5730,
            ),
            ("Bibliothèque de rue", "Street library", 25_000, "culture", "Place du Marché", 50.6456, 5.5755),
            (
                "Toitures végétalisées des écoles",
                "Green roofs on schools",
                140_000,
                "environment",
                "Rue Saint-Gilles",
                50.6390,
                5.5630,
            ),
            (
                "Éclairage public économe",
                "Energy-saving street lights",
                90_000,
                "safety",
                "Boulevard de la Sauvenière",
                50.6420,
                5.5690,
            ),
        ],
    ),
    (
        "Centre",
        60_000,
        {"fr": "Budget du quartier Centre", "nl": "Budget wijk Centrum", "en": "Centre district budget"},
        [
            (
                "Bancs et ombre place Cathédrale",
                "Benches and shade, Cathedral square",
                25_000,
                "parks",
                "Place Cathédrale",
                50.6410,
                5.5720,
            ),
            (
                "Potager collectif",
                "Community garden",
                20_000,
                "environment",
                "Rue Pierreuse",
                50.6480,
                5.5700,
            ),
            (
                "Atelier vélo solidaire",
                "Community bike workshop",
                30_000,
                "mobility",
                "Rue Hors-Château",
                50.6470,
                5.5790,
            ),
        ],
    ),
    (
        "Nord",
        60_000,
        {"fr": "Budget du quartier Nord", "nl": "Budget wijk Noord", "en": "North district budget"},
        [
            (
                "Terrain multisport",
                "Multi-sport court",
                45_000,
                "sports",
                "Rue Saint-Léonard",
                50.6530,
                5.5900,
            ),
            ("Boîtes à livres", "Book exchange boxes", 8_000, "culture", "Place Vivegnis", 50.6560, 5.5850),
            (
                "Arbres fruitiers le long de la Meuse",
                "Fruit trees along the Meuse",
                22_000,
                "environment",
                "Quai Saint-Léonard",
                50.6540,
                5.5930,
            ),
        ],
    ),
    (
        "Sud",
        60_000,
        {"fr": "Budget du quartier Sud", "nl": "Budget wijk Zuid", "en": "South district budget"},
        [
            ("Fresques murales", "Murals", 15_000, "culture", "Rue Varin", 50.6280, 5.5710),
            (
                "Passages piétons sécurisés",
                "Safer pedestrian crossings",
                35_000,
                "safety",
                "Rue des Guillemins",
                50.6260,
                5.5670,
            ),
            (
                "Nichoirs et hôtels à insectes",
                "Nest boxes and insect hotels",
                12_000,
                "environment",
                "Parc d'Avroy",
                50.6350,
                5.5680,
            ),
        ],
    ),
)


async def seed(session: AsyncSession, context: DemoContext) -> list[ResourceRef]:
    """Both votes, each once; answers the references of their budgets and projects (made or found)."""
    refs: list[ResourceRef] = []
    for slug, build in ((PROCESS_SLUG, _open_vote), (LAST_YEAR_SLUG, _last_year)):
        spot = await demo_spot(session, context, slug, "budgets")
        if spot is None:
            continue
        component = spot.component or await build(session, context, spot.commune, spot.process)
        refs += await _refs(session, spot.commune.id, component)
    return refs


async def _refs(session: AsyncSession, commune_id: uuid.UUID, component: Component) -> list[ResourceRef]:
    refs = []
    for budget in await BudgetRepository(session, commune_id).all_of_component(component.id):
        refs.append(ResourceRef("budgets", "budget", budget.id))
        projects = await ProjectRepository(session, commune_id).all_of_budget(budget.id)
        refs += [ResourceRef("budgets", "project", project.id) for project in projects]
    return refs


async def _component(
    session: AsyncSession,
    registry: ModuleRegistry,
    commune: Commune,
    process: ParticipatoryProcess,
    *,
    days: tuple[int, int],
    votes: str,
    settings: dict[str, Any],
) -> ComponentContext:
    """A phase of ``process`` (``days`` from today) and a published budgets component."""
    phase = await add_phase(
        session, commune, process, {"fr": "Vote", "nl": "Stemming", "en": "Vote"}, days=days
    )
    name = {"fr": "Votez pour vos projets", "nl": "Stem voor uw projecten", "en": "Vote for your projects"}
    component = await add_component(
        session, registry, commune, process, "budgets", name, settings, {phase.id: {"votes": votes}}
    )
    module = registry.get("budgets")
    assert module is not None
    resolved = resolve_settings(component, current_phase(process, commune.timezone), module)
    return make_context(commune, component, process, resolved.settings, resolved.step_settings)


async def _open_vote(
    session: AsyncSession, context: DemoContext, commune: Commune, process: ParticipatoryProcess
) -> Component:
    ctx = await _component(
        session, context.registry, commune, process, days=(-7, 365), votes="enabled", settings=SETTINGS
    )
    for position, (district, amount, title, projects) in enumerate(BUDGETS):
        budget = await budgets.create_budget(
            session,
            ctx,
            BudgetCreate(title=title, total_amount=amount, district=district, position=position),
        )
        for number, (fr, en, cost, category, address, lat, lon) in enumerate(projects):
            await budgets.create_project(
                session,
                ctx,
                budget,
                ProjectCreate(
                    title={"fr": fr, "en": en},
                    cost=cost,
                    category=category,
                    address=f"{address}, {commune.name}",
                    latitude=lat,
                    longitude=lon,
                    position=number,
                ),
            )
    return ctx.component


async def _last_year(
    session: AsyncSession, context: DemoContext, commune: Commune, process: ParticipatoryProcess
) -> Component:
    ctx = await _component(
        session,
        context.registry,
        commune,
        process,
        days=(-400, -340),
        votes="finished",
        settings={"ballot_kind": "approval", "min_projects": 1, "counting_rule": "mes_add1"},
    )
    budget, _, _ = await service_pabulib.import_pabulib(session, ctx, last_year_file(), title=None)
    proposal_ids = {ref.id for ref in context.refs("proposals", "proposal")}
    await _link_projects_to_proposals(session, ctx, budget, proposal_ids)
    await service_count.start_count(
        session, ctx, budget, CountCreate(rule="mes_add1", publish=True, background=False), user_id=None
    )
    return ctx.component


async def _link_projects_to_proposals(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, proposal_ids: set[uuid.UUID]
) -> None:
    """Each project of the imported budget links to the demo's accepted proposal of the same title, as
    ``POST .../projects/from-proposals`` links the projects it creates (what the proposals said is known
    here from their events, ``budgets_proposal_candidate``)."""
    candidates = await CandidateRepository(session, ctx.commune_id).accepted_in_process(ctx.process.id, None)
    by_title = {c.title.get("fr"): c.proposal_id for c in candidates if c.proposal_id in proposal_ids}
    for project in await ProjectRepository(session, ctx.commune_id).all_of_budget(budget.id):
        proposal_id = by_title.get(project.title.get("fr"))
        if proposal_id is not None:
            await link(
                session,
                commune_id=ctx.commune_id,
                source=ResourceRef("budgets", "project", project.id),
                target=ResourceRef("proposals", "proposal", proposal_id),
                name=PROPOSAL_LINK,
            )


def last_year_projects() -> list[tuple[str, str, int, str, str, float, float]]:
    """The ten projects put to last year's vote (the residents' accepted proposals: the proposals' demo)."""
    return [p for _, _, _, ps in BUDGETS for p in ps][:10]


def last_year_file() -> str:
    """A Pabulib file of last year's (invented) vote: the city budget's projects, approval ballots drawn
    by a seeded generator (each project has its own appeal), always the same file."""
    draw = random.Random(2025)
    projects = last_year_projects()
    appeal = [draw.uniform(0.1, 0.6) for _ in projects]
    lines = [
        "META",
        "key;value",
        "description;Budget participatif 2025",
        "country;Belgium",
        "unit;Commune de Démo",
        "instance;2025",
        f"num_projects;{len(projects)}",
        f"num_votes;{LAST_YEAR_VOTERS}",
        "budget;250000",
        "vote_type;approval",
        "rule;equalshares/add1",
        "currency;EUR",
        "PROJECTS",
        "project_id;cost;name;category;latitude;longitude",
        *(
            f"{i + 1};{cost};{fr};{category};{lat};{lon}"
            for i, (fr, _en, cost, category, _address, lat, lon) in enumerate(projects)
        ),
        "VOTES",
        "voter_id;vote",
    ]
    for voter in range(LAST_YEAR_VOTERS):
        chosen = [str(i + 1) for i, p in enumerate(appeal) if draw.random() < p] or [
            str(draw.randint(1, len(projects)))
        ]
        lines.append(f"{voter + 1};{','.join(chosen)}")
    return "\n".join(lines) + "\n"
