"""Demo data and platform bootstrap, used by ``civicapi seed-demo`` and ``civicapi create-admin``.

The demo is idempotent: running it again changes nothing. Its people and passwords are documented in the
README so a newcomer can log in and try things; they are refused in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from civicapi.communes import service as communes
from civicapi.communes.repository import CommuneRepository, MembershipRepository
from civicapi.communes.schemas import CommuneCreate, MembershipCreate
from civicapi.config import Environment, Settings
from civicapi.core.db.session import Database, create_engine
from civicapi.identity import service as identity
from civicapi.identity.repository import UserRepository
from civicapi.registry import Role, load_modules

DEMO_SLUG = "demo"


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


async def seed_demo(settings: Settings) -> str:
    if settings.env is Environment.production:
        raise RuntimeError("the demo commune is not seeded in production")
    registry = load_modules(settings.modules)
    db = Database(create_engine(settings.database_url))
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
            already = {m.module_key for m in await communes.list_commune_modules(session, commune)}
            for module in registry:
                if module.key not in already:
                    await communes.enable_module(session, registry, commune, module.key, {})
        return f"demo commune {DEMO_SLUG!r} ready: {len(DEMO_PEOPLE)} people, modules: {', '.join(registry.keys) or 'none'}"
    finally:
        await db.dispose()
