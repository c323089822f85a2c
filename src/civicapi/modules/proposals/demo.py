"""The proposals' part of the demo (``civicapi seed-demo``): the call for proposals of ``bp-2025``, the
process of last year's vote. The three demo residents proposed the ten ideas that were put to the vote and
two that were not; they supported each other's proposals; the commune answered every one (accepted with
its cost, or rejected with a reason). The budgets' demo, run after this one, makes last year's projects
of the accepted ones and links each to its proposal (through ``DemoContext.refs("proposals")``).

Through the services, as the residents' and an administrator's requests would. Seeding again adds
nothing: when the process has its proposals component, the seeder only answers its proposals."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.core.links import ResourceRef
from civicapi.identity.models import User
from civicapi.identity.repository import UserRepository
from civicapi.modules.proposals.answers import service as answers
from civicapi.modules.proposals.lifecycle import service as proposals
from civicapi.modules.proposals.models import Proposal
from civicapi.modules.proposals.repository import ProposalRepository
from civicapi.modules.proposals.schemas import AnswerCreate, ProposalCreate
from civicapi.modules.proposals.settings import ComponentContext as ProposalsContext
from civicapi.modules.proposals.settings import ProposalsComponentSettings, ProposalsStepSettings
from civicapi.modules.proposals.supports import service as supports
from civicapi.registry import DemoContext, ModuleRegistry
from civicapi.spaces.demo import add_component, add_phase, demo_spot
from civicapi.spaces.models import ParticipatoryProcess
from civicapi.spaces.service import today_in

LAST_YEAR = "bp-2025"
RESIDENTS = ("resident@demo.civicapi.org", "resident2@demo.civicapi.org", "resident3@demo.civicapi.org")


class Idea(NamedTuple):
    fr: str
    en: str
    cost: int
    category: str
    address: str
    latitude: float
    longitude: float


# The accepted ideas, which became last year's projects (the budgets' demo puts the same ones to this
# year's vote, in this order).
ACCEPTED = (
    Idea("Pistes cyclables sur les quais", "Cycle lanes along the quays", 120_000, "mobility",
         "Quai de la Batte", 50.6433, 5.5797),
    Idea("Un parc de jeux inclusif", "An inclusive playground", 80_000, "parks",
         "Parc de la Boverie", 50.6350, 5.5770),
    Idea("Fontaines d'eau potable", "Drinking fountains", 30_000, "environment",
         "Place Saint-Lambert", 50.6450, 5.5730),
    Idea("Bibliothèque de rue", "Street library", 25_000, "culture", "Place du Marché", 50.6456, 5.5755),
    Idea("Toitures végétalisées des écoles", "Green roofs on schools", 140_000, "environment",
         "Rue Saint-Gilles", 50.6390, 5.5630),
    Idea("Éclairage public économe", "Energy-saving street lights", 90_000, "safety",
         "Boulevard de la Sauvenière", 50.6420, 5.5690),
    Idea("Bancs et ombre place Cathédrale", "Benches and shade, Cathedral square", 25_000, "parks",
         "Place Cathédrale", 50.6410, 5.5720),
    Idea("Potager collectif", "Community garden", 20_000, "environment", "Rue Pierreuse", 50.6480, 5.5700),
    Idea("Atelier vélo solidaire", "Community bike workshop", 30_000, "mobility",
         "Rue Hors-Château", 50.6470, 5.5790),
    Idea("Terrain multisport", "Multi-sport court", 45_000, "sports", "Rue Saint-Léonard", 50.6530, 5.5900),
)  # fmt: skip

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


async def seed(session: AsyncSession, context: DemoContext) -> list[ResourceRef]:
    """Last year's call for proposals, once; answers the references of its proposals (made or found)."""
    spot = await demo_spot(session, context, LAST_YEAR, "proposals")
    if spot is None:
        return []
    if spot.component is None:
        ids = await seed_call_for_proposals(session, context.registry, spot.commune, spot.process)
    else:
        ids = await ProposalRepository(session, spot.commune.id).ids_in_component(spot.component.id)
    return [ResourceRef("proposals", "proposal", proposal_id) for proposal_id in ids]


async def seed_call_for_proposals(
    session: AsyncSession, registry: ModuleRegistry, commune: Commune, process: ParticipatoryProcess
) -> list[uuid.UUID]:
    """The call for proposals in ``process``: one accepted proposal per idea of ``ACCEPTED``, then the
    rejected ones; answers their ids in that order."""
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
    made: list[uuid.UUID] = []
    for number, idea in enumerate(ACCEPTED):
        place = {
            "address": f"{idea.address}, {commune.name}",
            "latitude": idea.latitude,
            "longitude": idea.longitude,
        }
        author = people[number % len(people)]
        proposal = await _propose(session, ctx, author, idea.fr, idea.en, idea.category, place)
        for supporter in people[: 1 + number % len(people)]:
            await supports.support_proposal(session, ctx, proposal, user=supporter, counts_hidden=False)
        await answers.answer_proposal(
            session,
            ctx,
            proposal,
            AnswerCreate(
                state="accepted",
                answer={"fr": "Le collège retient la proposition.", "en": "The council accepts it."},
                cost=idea.cost,
                cost_explanation={
                    "fr": "Estimation des services techniques.",
                    "en": "Public works estimate.",
                },
                execution_period={"fr": "2026", "en": "2026"},
            ),
        )
        made.append(proposal.id)
    for number, (fr, en, why_fr, why_en) in enumerate(REJECTED):
        proposal = await _propose(session, ctx, people[number], fr, en, None, {})
        await answers.answer_proposal(
            session, ctx, proposal, AnswerCreate(state="rejected", answer={"fr": why_fr, "en": why_en})
        )
        made.append(proposal.id)
    return made


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
