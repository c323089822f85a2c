"""The agenda's part of ``civicapi seed-demo`` (idempotent): an agenda component in the demo's process
(``bp-demo``; a process of its own when the budgets demo is not there) with

* a past meeting, closed, with its minutes and the demo proposals it discussed (those the agenda heard of
  from the proposals module's events while the demo was seeded);
* an upcoming workshop with 3 places left (the demo residents registered);
* an upcoming site visit that is full, with a waiting list;
* an online information session whose link signed-in people see.

Meetings and registrations are written as rows (the meetings and registrations use cases bring their own
services); the closing goes through its service, as a request would.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.communes.repository import CommuneRepository
from civicapi.core.db.base import utcnow
from civicapi.core.links import ResourceRef
from civicapi.modules.agenda.closing.repository import KnownProposalRepository
from civicapi.modules.agenda.closing.schemas import ClosingWrite
from civicapi.modules.agenda.closing.service import close_meeting
from civicapi.modules.agenda.common.reading import Viewer
from civicapi.modules.agenda.models import (
    HYBRID,
    IN_PERSON,
    ONLINE,
    PUBLISHED,
    REGISTERED_STATUS,
    REGISTRATION_ON_PLATFORM,
    SIGNED_IN,
    WAITING,
    Meeting,
    Registration,
)
from civicapi.modules.agenda.registrations.service import new_code
from civicapi.modules.agenda.repository import MeetingRepository
from civicapi.modules.agenda.settings import AgendaComponentSettings, AgendaStepSettings, ComponentContext
from civicapi.registry import DemoContext
from civicapi.spaces import kit
from civicapi.spaces import service as spaces
from civicapi.spaces.models import ParticipatoryProcess
from civicapi.spaces.repository import ComponentRepository, ProcessRepository
from civicapi.spaces.schemas import ComponentCreate, PhaseCreate, ProcessCreate
from civicapi.spaces.service import current_phase, today_in
from civicapi.spaces.service_components import create_component, get_component
from civicapi.spaces.settings import resolve_settings

KEY = "agenda"
PROCESS_SLUG = "bp-demo"
"""The demo's participatory budget (``civicapi.demo_budget``), whose meetings these are."""
OWN_SLUG = "rencontres"
NAME = {"fr": "Rencontres", "nl": "Bijeenkomsten", "en": "Meetings"}
SETTINGS = {"reminder_hours_before": 24, "fill_alert_percent": 80, "close_reminder_days": 3}
RESIDENTS = ("resident@demo.civicapi.org", "resident2@demo.civicapi.org", "resident3@demo.civicapi.org")


async def seed(session: AsyncSession, context: DemoContext) -> list[ResourceRef]:
    """The agenda's demo content, once; the meetings it made (or found, when it is there already)."""
    module = context.registry.get(KEY)
    commune = await CommuneRepository(session).by_id(context.commune_id, with_modules=True)
    if module is None or commune is None:
        return []
    process = await _process(session, commune)
    for existing in await ComponentRepository(session, commune.id).of_process(process.id):
        if existing.module_key == KEY:
            ids = await MeetingRepository(session, commune.id).ids_in_component(existing.id)
            return [ResourceRef(KEY, "meeting", meeting_id) for meeting_id in ids]
    data = ComponentCreate(module_key=KEY, name=NAME, settings=SETTINGS)
    created = await create_component(session, context.registry, commune, process, data)
    await spaces.set_published(session, created, True)
    component = await get_component(
        session, commune, context.registry, created.id, include_hidden=True, module_key=KEY, with_process=True
    )
    resolved = resolve_settings(component, current_phase(component.process, commune.timezone), module)
    ctx: ComponentContext = kit.component_context(
        commune,
        component,
        component.process,
        resolved.settings,
        resolved.step_settings,
        types=(AgendaComponentSettings, AgendaStepSettings),
    )
    people = [context.people[email] for email in RESIDENTS if email in context.people]
    meetings = await _meetings(session, ctx, people)
    return [ResourceRef(KEY, "meeting", meeting.id) for meeting in meetings]


async def _process(session: AsyncSession, commune: Commune) -> ParticipatoryProcess:
    repo = ProcessRepository(session, commune.id)
    for slug in (PROCESS_SLUG, OWN_SLUG):
        found = await repo.by_slug(slug)
        if found is not None:
            return found
    title = {"fr": "Rencontres citoyennes", "nl": "Burgerbijeenkomsten", "en": "Citizens' meetings"}
    process = await spaces.create_process(session, commune, ProcessCreate(slug=OWN_SLUG, title=title))
    await spaces.set_published(session, process, True)
    today = today_in(commune.timezone)
    phase = PhaseCreate(
        title=NAME, start_date=today - timedelta(days=60), end_date=today + timedelta(days=365)
    )
    await spaces.create_phase(session, commune, process, phase)
    found = await repo.by_slug(OWN_SLUG)
    assert found is not None
    return found


def _at(ctx: ComponentContext, days: int, hour: int) -> datetime:
    """``hour`` o'clock in the commune's zone, ``days`` from today."""
    day = ctx.today + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(ctx.commune.timezone))


def _title(fr: str, nl: str, en: str) -> dict[str, str]:
    return {"fr": fr, "nl": nl, "en": en}


MEETINGS: tuple[tuple[int, int, float, dict[str, Any]], ...] = (
    # (days from today, local hour, hours long, fields)
    (
        -20,
        19,
        2,
        {
            "title": _title(
                "Assemblée : les projets de l'an dernier",
                "Vergadering: de projecten van vorig jaar",
                "Assembly: last year's projects",
            ),
            "description": {
                "fr": "Où en sont les projets votés l'an dernier, et quelles idées pour cette année ?"
            },
            "meeting_type": IN_PERSON,
            "location": {"fr": "Salle du conseil", "en": "Council chamber"},
            "address": "Place du Marché 1, 4000 Liège",
            "latitude": 50.6451,
            "longitude": 5.5734,
        },
    ),
    (
        10,
        18,
        2.5,
        {
            "title": _title("Atelier : aménager la place", "Workshop: het plein", "Workshop: the square"),
            "description": {
                "fr": "Imaginons ensemble la place communale.",
                "en": "Let us redesign the square.",
            },
            "meeting_type": HYBRID,
            "location": {"fr": "Maison de quartier", "en": "Community centre"},
            "address": "Rue Haute 12, 4000 Liège",
            "online_url": "https://meet.jit.si/civicapi-demo-atelier",
            "online_url_visibility": "registered",
            "registration_mode": REGISTRATION_ON_PLATFORM,
            "available_slots": 5,
            "offer_hours": 24,
        },
    ),
    (
        14,
        10,
        1.5,
        {
            "title": _title("Visite du chantier du parc", "Bezoek aan de werf", "Park works site visit"),
            "description": {"fr": "Casque fourni. Places limitées.", "en": "Helmets provided. Few places."},
            "meeting_type": IN_PERSON,
            "location": {"fr": "Entrée du parc", "en": "Park entrance"},
            "address": "Avenue du Parc 1, 4020 Liège",
            "registration_mode": REGISTRATION_ON_PLATFORM,
            "available_slots": 2,
        },
    ),
    (
        21,
        20,
        1,
        {
            "title": _title(
                "Séance d'information en ligne", "Online infosessie", "Online information session"
            ),
            "description": {
                "fr": "Comment voter au budget participatif ?",
                "en": "How to vote in the budget.",
            },
            "meeting_type": ONLINE,
            "online_url": "https://meet.jit.si/civicapi-demo-info",
            "online_url_visibility": SIGNED_IN,
        },
    ),
)
"""The past assembly, the workshop (3 places left), the full site visit, the online session."""


async def _meetings(session: AsyncSession, ctx: ComponentContext, people: list[uuid.UUID]) -> list[Meeting]:
    repo = MeetingRepository(session, ctx.commune_id)
    made = past, workshop, visit, _online = [
        repo.add(
            Meeting(
                component_id=ctx.component_id,
                status=PUBLISHED,
                published_at=utcnow(),
                start_at=_at(ctx, days, hour),
                end_at=_at(ctx, days, hour) + timedelta(hours=hours),
                **fields,
            )
        )
        for days, hour, hours, fields in MEETINGS
    ]
    await session.flush()
    for meeting, registered, waiting in ((workshop, people[:2], []), (visit, people[:2], people[2:])):
        for user_id in registered:
            add_registration(session, meeting, user_id, REGISTERED_STATUS)
        for user_id in waiting:
            add_registration(session, meeting, user_id, WAITING)
    await session.flush()
    proposals = await KnownProposalRepository(session, ctx.commune_id).latest(3)
    closing = ClosingWrite(
        minutes={
            "fr": "Présentation de l'avancement des projets financés. Les habitants ont proposé de nouvelles "
            "idées pour la place et le parc.",
            "nl": "Voorstelling van de gefinancierde projecten; nieuwe ideeën voor het plein en het park.",
            "en": "Progress of the funded projects; residents suggested new ideas for the square and the park.",
        },
        attendees_count=38,
        contributions_count=12,
        attending_organizations="Comité de quartier Centre, Maison des jeunes",
        video_url="https://www.youtube.com/watch?v=civicapi-demo",
        proposal_ids=[p.proposal_id for p in proposals],
    )
    await close_meeting(
        session, ctx, past, closing, viewer=Viewer(user_id=None, manages=True, sees_registrations=True)
    )
    return made


def add_registration(session: AsyncSession, meeting: Meeting, user_id: uuid.UUID, status: str) -> None:
    """A registration (or a place in the waiting list) written as a row, the meeting's counters following
    (the registrations use case brings the race-free way; the demo and tests of other use cases use this)."""
    meeting.queue_seq += 1
    if status == REGISTERED_STATUS:
        meeting.registrations_count += 1
    elif status == WAITING:
        meeting.waiting_count += 1
    session.add(
        Registration(
            commune_id=meeting.commune_id,
            meeting_id=meeting.id,
            user_id=user_id,
            status=status,
            number=meeting.queue_seq,
            code=new_code(),
            confirmed_at=utcnow() if status == REGISTERED_STATUS else None,
        )
    )
