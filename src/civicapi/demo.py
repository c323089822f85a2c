"""Demo data and platform bootstrap, used by ``civicapi seed-demo`` and ``civicapi create-admin``.

The demo commune has people, a census, every installed module enabled, and two participatory processes
(``bp-demo``, this year's, and ``bp-2025``, last year's) in which each module's own demo seeder
(``CivicModule.demo``) puts its content: last year's call for proposals (proposals), last year's vote and
this year's open one (budgets), the results of last year's vote under way (accountability). Each seeder
runs in its own unit of work, after the seeders of its ``demo_after``, and hears the events of those run
before it; it receives the references of what they made (``DemoContext.made``). This file imports no
module: what each shows is its own.

The demo is idempotent: running it again changes nothing. Its people and passwords are documented in the
README so a newcomer can log in and try things; they are refused in production.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes import service as communes
from civicapi.communes.models import Commune
from civicapi.communes.repository import CommuneRepository, MembershipRepository
from civicapi.communes.schemas import CommuneCreate, MembershipCreate
from civicapi.communes.service import enabled_module_keys
from civicapi.config import Environment, Settings
from civicapi.core.db.session import Database, create_engine
from civicapi.core.links import ResourceRef
from civicapi.identity import service as identity
from civicapi.identity.repository import UserRepository
from civicapi.identity.verification import census
from civicapi.identity.verification.hashing import IdentityHasher
from civicapi.identity.verification.repository import CensusRepository
from civicapi.places.demo_districts import seed_demo_districts
from civicapi.places.geocoding.demo import seed_demo_addresses
from civicapi.places.service_reindex import reindex as reindex_places
from civicapi.registry import DemoContext, ModuleRegistry, Role, load_modules
from civicapi.registry.loader import wire_subscriptions
from civicapi.spaces import service as spaces
from civicapi.spaces.repository import ProcessRepository
from civicapi.spaces.schemas import ProcessCreate

DEMO_SLUG = "demo"

DEMO_PROCESSES = (
    # slug, title: published processes the modules' seeders add their phases and components to.
    (
        "bp-demo",
        {
            "fr": "Budget participatif de démo",
            "nl": "Demo participatieve begroting",
            "en": "Demo participatory budget",
        },
    ),
    (
        "bp-2025",
        {
            "fr": "Budget participatif 2025",
            "nl": "Participatieve begroting 2025",
            "en": "Participatory budget 2025",
        },
    ),
)


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    password: str
    role: Role | None
    platform_admin: bool = False


DEMO_PEOPLE = (
    DemoPerson(
        "platform@civicapi.org", "Platform Administrator", "platform-admin-pass", None, platform_admin=True
    ),
    DemoPerson("admin@demo.civicapi.org", "Alice Admin", "demo-admin-pass", Role.admin),
    DemoPerson("staff@demo.civicapi.org", "Sam Staff", "demo-staff-pass", Role.staff),
    DemoPerson("resident@demo.civicapi.org", "Rita Resident", "demo-resident-pass", Role.participant),
    DemoPerson("resident2@demo.civicapi.org", "Omar Resident", "demo-resident-pass", Role.participant),
    DemoPerson("resident3@demo.civicapi.org", "Lea Resident", "demo-resident-pass", Role.participant),
)

DEMO_CENSUS = (
    # identifier, birth date, district, postal code. The three demo residents are verified with the first
    # three lines; the last two are free for a newcomer to verify an account of their own.
    ("DEMO-0001", "1984-03-12", "Centre", "4000"),
    ("DEMO-0002", "1991-07-30", "Nord", "4020"),
    ("DEMO-0003", "2008-01-05", "Sud", "4031"),
    ("DEMO-0004", "1975-11-23", "Centre", "4000"),
    ("DEMO-0005", "2002-05-17", "Nord", "4020"),
)


async def create_platform_admin(settings: Settings, *, email: str, name: str, password: str) -> bool:
    """Create a platform administrator, or promote an existing account. True when created."""
    db = Database(create_engine(settings.database_url))
    try:
        async with db.unit_of_work() as session:
            user = await UserRepository(session).by_email(email)
            if user is not None:
                user.is_platform_admin = True
                return False
            await identity.create_user(
                session, email=email, display_name=name, password=password, is_platform_admin=True
            )
            return True
    finally:
        await db.dispose()


async def _seed_census(session: AsyncSession, settings: Settings, commune_id: uuid.UUID) -> None:
    """Upload the demo census once and verify the demo residents against it."""
    if await CensusRepository(session, commune_id).count() > 0:
        return
    hasher = IdentityHasher(settings.secret_key.get_secret_value())
    rows = ["identifier;birth_date;district;postal_code", *(";".join(r) for r in DEMO_CENSUS)]
    await census.replace_census(
        session, hasher, commune_id=commune_id, data=("\n".join(rows) + "\n").encode(), today=date.today()
    )
    users = UserRepository(session)
    residents = [p for p in DEMO_PEOPLE if p.email.startswith("resident")]
    for person, (identifier, birth, _district, _postal) in zip(residents, DEMO_CENSUS, strict=False):
        user = await users.by_email(person.email)
        assert user is not None
        await census.verify_with_census(
            session,
            hasher,
            commune_id=commune_id,
            user_id=user.id,
            identifier=identifier,
            birth_date=date.fromisoformat(birth),
        )


async def _seed_processes(session: AsyncSession, commune: Commune) -> dict[str, uuid.UUID]:
    """The demo's processes (slug -> id), created and published once."""
    found: dict[str, uuid.UUID] = {}
    repo = ProcessRepository(session, commune.id)
    for slug, title in DEMO_PROCESSES:
        process = await repo.by_slug(slug)
        if process is None:
            process = await spaces.create_process(session, commune, ProcessCreate(slug=slug, title=title))
            await spaces.set_published(session, process, True)
        found[slug] = process.id
    return found


async def _seed_modules(db: Database, registry: ModuleRegistry, processes: dict[str, uuid.UUID]) -> None:
    """Each module's own demo content (``CivicModule.demo``), in a unit of work of its own, in the order of
    ``demo_after``: the events one publishes are delivered (after its commit) before the next one runs,
    and each gets the references the ones before it answered."""
    made: dict[str, list[ResourceRef]] = {}
    for module in registry.demo_order():
        assert module.demo is not None
        async with db.unit_of_work() as session:
            commune = await CommuneRepository(session).by_slug(DEMO_SLUG)
            assert commune is not None
            users = UserRepository(session)
            people = {p.email: u.id for p in DEMO_PEOPLE if (u := await users.by_email(p.email)) is not None}
            context = DemoContext(
                commune_id=commune.id,
                commune_slug=commune.slug,
                people=people,
                registry=registry,
                processes=processes,
                made={key: tuple(refs) for key, refs in made.items()},
            )
            made[module.key] = list(await module.demo(session, context) or ())


async def seed_demo(settings: Settings) -> str:
    if settings.env is Environment.production:
        raise RuntimeError("the demo commune is not seeded in production")
    registry = load_modules(settings.modules)
    db = Database(create_engine(settings.database_url))
    # The modules hear each other's events as they do in the server (proposals → budgets → accountability).
    db.bus.set_recipient_filter(enabled_module_keys)
    wire_subscriptions(registry, db.bus)
    try:
        async with db.unit_of_work() as session:
            commune = await CommuneRepository(session).by_slug(DEMO_SLUG)
            if commune is None:
                commune = await communes.create_commune(
                    session,
                    CommuneCreate(
                        slug=DEMO_SLUG,
                        name="Commune de Démo",
                        locales=["fr", "nl", "en"],
                        default_locale="fr",
                        timezone="Europe/Brussels",
                        contact_email="participation@demo.civicapi.org",
                        reference_prefix="DEMO",
                    ),
                )
            users = UserRepository(session)
            for person in DEMO_PEOPLE:
                user = await users.by_email(person.email)
                if user is None:
                    user = await identity.create_user(
                        session,
                        email=person.email,
                        display_name=person.name,
                        password=person.password,
                        is_platform_admin=person.platform_admin,
                    )
                if (
                    person.role is not None
                    and await MembershipRepository(session, commune.id).find(user.id, person.role.value)
                    is None
                ):
                    await communes.add_member(
                        session, commune, MembershipCreate(user_id=user.id, role=person.role)
                    )
            await _seed_census(session, settings, commune.id)
            await seed_demo_addresses(session, commune.id)
            already = {m.module_key for m in await communes.list_commune_modules(session, commune)}
            for module in registry:
                if module.key not in already:
                    await communes.enable_module(session, registry, commune, module.key, {})
            processes = await _seed_processes(session, commune)
            await seed_demo_districts(session, commune)  # before the modules place their resources
            commune_id = commune.id
        await _seed_modules(db, registry, processes)
        async with db.unit_of_work() as session:
            # The seeders write their points through the modules' services; a rebuild also indexes what an
            # earlier seeding (before the index existed) made, and recomputes districts uploaded since.
            await reindex_places(session, registry, commune_id)
        return f"demo commune {DEMO_SLUG!r} ready: {len(DEMO_PEOPLE)} people, modules: {', '.join(registry.keys) or 'none'}"
    finally:
        await db.dispose()
