"""The demo commune's participatory budgets (``civicapi seed-demo``; the README shows how to use them).

* ``bp-demo``: a published process whose vote is open, so that a newcomer can vote at once. One budgets
  component, district workflow: each resident votes in the budget of their district (from the demo
  census: Centre, Nord, Sud) and in the city-wide one; knapsack ballots spending at least half of a
  budget; census-verified residents only; reminders sent automatically to those who leave a ballot
  unfinished; counted with the Method of Equal Shares (add1).
* ``bp-2025``: last year's vote, closed, counted and published: 400 approval ballots drawn by a seeded
  generator and imported as a Pabulib file (``POST .../budgets/pabulib``'s service), counted with MES
  add1. Its results, its ballots file and digest, and ``civicapi recount --url`` can be tried at once.
  Its projects came from the residents' proposals of the same process, and its funded projects are
  followed in accountability (:mod:`civicapi.demo_last_year`).

Everything goes through the services, as an administrator's requests would.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.demo_last_year import (
    add_component,
    add_phase,
    link_projects_to_proposals,
    seed_call_for_proposals,
)
from civicapi.modules.budgets.catalog import service as budgets
from civicapi.modules.budgets.catalog import service_pabulib
from civicapi.modules.budgets.catalog.schemas import BudgetCreate, ProjectCreate
from civicapi.modules.budgets.dependencies import make_context
from civicapi.modules.budgets.results import service as service_count
from civicapi.modules.budgets.settings import ComponentContext
from civicapi.modules.budgets.voting.schemas import CountCreate
from civicapi.registry import ModuleRegistry
from civicapi.spaces import service as spaces
from civicapi.spaces.repository import ProcessRepository
from civicapi.spaces.schemas import ProcessCreate
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


async def seed_participatory_budget(
    session: AsyncSession, registry: ModuleRegistry, commune: Commune
) -> bool:
    """Create both processes once (``commune.modules`` loaded, budgets enabled); False when they exist."""
    if registry.get("budgets") is None:
        return False
    created = await _open_vote(session, registry, commune)
    return await _last_year(session, registry, commune) or created


async def _component(
    session: AsyncSession,
    registry: ModuleRegistry,
    commune: Commune,
    *,
    slug: str,
    title: dict[str, str],
    days: tuple[int, int],
    votes: str,
    settings: dict[str, Any],
) -> ComponentContext:
    """A published process with one phase (``days`` from today) and a published budgets component."""
    process = await spaces.create_process(session, commune, ProcessCreate(slug=slug, title=title))
    await spaces.set_published(session, process, True)
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


async def _open_vote(session: AsyncSession, registry: ModuleRegistry, commune: Commune) -> bool:
    if await ProcessRepository(session, commune.id).slug_taken(PROCESS_SLUG):
        return False
    ctx = await _component(
        session,
        registry,
        commune,
        slug=PROCESS_SLUG,
        title={
            "fr": "Budget participatif de démo",
            "nl": "Demo participatieve begroting",
            "en": "Demo participatory budget",
        },
        days=(-7, 365),
        votes="enabled",
        settings=SETTINGS,
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
    return True


async def _last_year(session: AsyncSession, registry: ModuleRegistry, commune: Commune) -> bool:
    if await ProcessRepository(session, commune.id).slug_taken(LAST_YEAR_SLUG):
        return False
    ctx = await _component(
        session,
        registry,
        commune,
        slug=LAST_YEAR_SLUG,
        title={
            "fr": "Budget participatif 2025",
            "nl": "Participatieve begroting 2025",
            "en": "Participatory budget 2025",
        },
        days=(-400, -340),
        votes="finished",
        settings={"ballot_kind": "approval", "min_projects": 1, "counting_rule": "mes_add1"},
    )
    proposal_ids = await seed_call_for_proposals(
        session, registry, commune, ctx.process, last_year_projects()
    )
    budget, _, _ = await service_pabulib.import_pabulib(session, ctx, last_year_file(), title=None)
    await link_projects_to_proposals(session, commune, budget, proposal_ids)
    await service_count.start_count(
        session, ctx, budget, CountCreate(rule="mes_add1", publish=True, background=False), user_id=None
    )
    return True


def last_year_projects() -> list[tuple[str, str, int, str, str, float, float]]:
    """The ten projects put to last year's vote (proposed by residents: :mod:`civicapi.demo_last_year`)."""
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
