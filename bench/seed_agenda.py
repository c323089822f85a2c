"""Seed the demo commune for the agenda benchmarks (run by bench/run.py after `civicapi seed-demo`).

    CIVICAPI_DATABASE_URL=... .venv/bin/python bench/seed_agenda.py [--count 10000]

Creates, in the demo commune: the agenda module enabled, a published process and a published agenda
component (reminders and alerts off: the benchmark measures requests, not the sweep's mail) holding
``--count`` published meetings spread evenly over two years (one before today, one after), of the three
types, in six districts and four categories, a third of them taking registrations on the platform with no
limit of places, their online links for everyone, signed-in people or registrants; and a resident (an account) registered for some of the upcoming ones. Meetings and
registrations are bulk inserts (one statement per thousand rows), not requests.

Prints one JSON object of placeholders: ``agenda_component_id``, ``agenda_token`` (a bearer token of the
resident, valid for a day) and ``agenda_meetings_file`` (one upcoming meeting with room per line: the
registrations benchmark registers people for each in turn).
"""

from __future__ import annotations

import random
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from seeding import bench_person, demo_component, seed_main
from sqlalchemy import insert, update

from civicapi.config import get_settings
from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database, create_engine
from civicapi.identity.dependencies import build_token_service
from civicapi.modules.agenda.meetings.rules import search_text
from civicapi.modules.agenda.models import (
    HYBRID,
    IN_PERSON,
    ONLINE,
    PUBLISHED,
    REGISTERED_STATUS,
    REGISTRATION_DISABLED,
    REGISTRATION_ON_PLATFORM,
    URL_VISIBILITIES,
    Meeting,
    Registration,
)
from civicapi.registry import load_modules
from civicapi.spaces.schemas import ComponentCreate

DISTRICTS = ("Centre", "Outremeuse", "Sainte-Marguerite", "Guillemins", "Angleur", "Jupille")
CATEGORIES = ("Mobilité", "Environnement", "Budget", "Culture")
TYPES = (IN_PERSON, HYBRID, ONLINE)
QUIET = {"reminder_hours_before": 0, "fill_alert_percent": 0, "close_reminder_days": 0}
CHUNK = 1000
RESIDENT_REGISTRATIONS = 20
"""Upcoming meetings the resident is registered for, among the first ones (the directory's first page)."""


def meeting_row(n: int, count: int, commune_id: uuid.UUID, component_id: uuid.UUID) -> dict[str, object]:
    """The ``n``-th of ``count`` meetings, starting at an even spacing over a year before to a year after."""
    now = utcnow()
    start = now - timedelta(days=365) + timedelta(seconds=n * (2 * 365 * 86400 // count))
    start = start.replace(minute=0 if n % 2 else 30, second=0, microsecond=0)
    kind = TYPES[n % len(TYPES)]
    title = {"fr": f"Réunion n°{n + 1} : le quartier en débat", "nl": f"Vergadering nr. {n + 1}"}
    description = {"fr": "Présentation des projets, questions des habitants et échanges. " * 2}
    row: dict[str, object] = {
        "id": uuid.uuid4(),
        "commune_id": commune_id,
        "component_id": component_id,
        "status": PUBLISHED,
        "official": True,
        "title": title,
        "description": description,
        "start_at": start,
        "end_at": start + timedelta(hours=2),
        "meeting_type": kind,
        "location": {} if kind == ONLINE else {"fr": "Maison de quartier"},
        "location_hints": {},
        "address": None if kind == ONLINE else f"Rue de la Bench {n + 1}, 4000 Liège",
        "latitude": None if kind == ONLINE else 50.6 + (n % 97) / 1000,
        "longitude": None if kind == ONLINE else 5.5 + (n % 89) / 1000,
        "online_url": None if kind == IN_PERSON else f"https://meet.jit.si/civicapi-bench-{n + 1}",
        "online_url_visibility": URL_VISIBILITIES[n // 3 % len(URL_VISIBILITIES)],
        "category": CATEGORIES[n % len(CATEGORIES)],
        "district": DISTRICTS[n % len(DISTRICTS)],
        "published_at": now,
        "registration_mode": REGISTRATION_ON_PLATFORM if n % 3 == 0 else REGISTRATION_DISABLED,
        "available_slots": 0,
        "registration_terms": {},
        "created_at": now,
        "updated_at": now,
    }
    row["search_text"] = search_text(Meeting(title=title, description=description))
    return row


async def seed(count: int) -> dict[str, str]:
    settings = get_settings()
    registry = load_modules(settings.modules)
    db = Database(create_engine(settings.database_url))
    rng = random.Random(2026)
    try:
        async with db.unit_of_work() as session:
            data = ComponentCreate(module_key="agenda", name={"fr": "Agenda (bench)"}, settings=QUIET)
            commune, _, component = await demo_component(
                session, registry, rng, data, slug="bench-agenda", title="Rencontres (bench)"
            )
            resident = await bench_person(session, rng, "Bench Resident")
            commune_id, component_id = commune.id, component.id
        rows = [meeting_row(n, count, commune_id, component_id) for n in range(count)]
        for start in range(0, count, CHUNK):
            async with db.unit_of_work() as session:
                await session.execute(insert(Meeting), rows[start : start + CHUNK])
        now = utcnow()
        with_room = [
            r
            for r in rows
            if r["start_at"] > now + timedelta(days=1) and r["registration_mode"] != "disabled"
        ]
        mine = with_room[:RESIDENT_REGISTRATIONS:2]  # every other one of the first upcoming with room
        async with db.unit_of_work() as session:
            registrations = [
                {
                    "id": uuid.uuid4(),
                    "commune_id": commune_id,
                    "meeting_id": r["id"],
                    "user_id": resident.id,
                    "status": REGISTERED_STATUS,
                    "number": 1,
                    "code": f"B{i:07d}",
                    "confirmed_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for i, r in enumerate(mine)
            ]
            await session.execute(insert(Registration), registrations)
            for r in mine:
                await session.execute(
                    update(Meeting).where(Meeting.id == r["id"]).values(registrations_count=1, queue_seq=1)
                )
        token, _ = build_token_service(settings).issue(str(resident.id))
    finally:
        await db.dispose()
    meetings_file = Path(tempfile.mkdtemp(prefix="civicapi-bench-agenda-")) / "meetings.txt"
    meetings_file.write_text(
        "".join(f"{r['id']}\n" for r in with_room[RESIDENT_REGISTRATIONS:]), encoding="utf-8"
    )
    return {
        "agenda_component_id": str(component_id),
        "agenda_token": token,
        "agenda_meetings_file": str(meetings_file),
    }


def main() -> None:
    seed_main(__doc__, seed, 10_000, "meetings")


if __name__ == "__main__":
    main()
