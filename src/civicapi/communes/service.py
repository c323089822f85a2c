"""Commune use cases: create and edit communes, enable modules, give roles, read the audit trail.

Services never commit. Every state-changing command records an audit entry (admin-only) in the same unit
of work."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.audit_repository import AuditFilters, AuditRepository
from civicapi.communes.models import Commune, CommuneModule, Membership
from civicapi.communes.repository import CommuneModuleRepository, CommuneRepository, MembershipRepository
from civicapi.communes.schemas import CommuneCreate, CommuneUpdate, MembershipCreate
from civicapi.core import audit
from civicapi.core.audit import AuditEntry
from civicapi.core.db.base import utcnow
from civicapi.core.errors import Conflict, InvalidInput, NotFound, unique_reason
from civicapi.core.links import ResourceRef
from civicapi.core.pagination import PageParams, keyset_page
from civicapi.identity.models import User
from civicapi.identity.repository import UserRepository
from civicapi.registry import CivicModule, ModuleRegistry

COMMUNE_FIELDS = (
    "slug",
    "name",
    "locales",
    "default_locale",
    "timezone",
    "contact_email",
    "contact_phone",
    "website_url",
    "reference_prefix",
)
MODULE_FIELDS = ("module_key", "enabled", "settings")
MEMBERSHIP_FIELDS = ("user_id", "role")

# Two requests racing for one slug: the loser's 409 says why, like the check that catches the usual case.
unique_reason("uq_communes_commune_slug", "slug_taken", "a commune with this slug exists")


def _record(
    session: AsyncSession, commune_id: uuid.UUID, kind: str, id: uuid.UUID, verb: str, changes: dict[str, Any]
) -> None:
    """An admin-only entry ``communes.<kind>.<verb>`` about the resource ``communes/<kind>/<id>``."""
    audit.record(
        session,
        commune_id=commune_id,
        action=f"communes.{kind}.{verb}",
        resource=ResourceRef("communes", kind, id),
        changes=changes,
    )


def validation_errors(exc: ValidationError, prefix: list[str | int]) -> list[dict[str, Any]]:
    return [
        {"location": [*prefix, *err["loc"]], "message": err["msg"], "code": err["type"]}
        for err in exc.errors()
    ]


async def create_commune(session: AsyncSession, data: CommuneCreate) -> Commune:
    repo = CommuneRepository(session)
    if await repo.by_slug(data.slug) is not None:
        raise Conflict(f"a commune with slug {data.slug!r} exists", reason="slug_taken")
    commune = Commune(
        slug=data.slug,
        name=data.name,
        locales=list(data.locales),
        default_locale=data.default_locale,
        timezone=data.timezone,
        contact_email=data.contact_email,
        contact_phone=data.contact_phone,
        website_url=data.website_url,
        reference_prefix=data.reference_prefix or data.slug.replace("-", "")[:3].upper(),
    )
    repo.add(commune)
    await repo.flush()
    created = audit.diff({}, audit.snapshot(commune, COMMUNE_FIELDS))
    _record(session, commune.id, "commune", commune.id, "create", created)
    return commune


async def update_commune(session: AsyncSession, commune: Commune, data: CommuneUpdate) -> Commune:
    changes = data.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None and key in {"name", "locales", "default_locale", "timezone", "reference_prefix"}:
            raise InvalidInput(
                f"{key} cannot be null",
                errors=[{"location": ["body", key], "message": "cannot be null", "code": "null"}],
            )
    locales = changes.get("locales", commune.locales)
    default = changes.get("default_locale", commune.default_locale)
    if default not in locales:
        raise InvalidInput(
            "default_locale must be one of locales",
            errors=[
                {"location": ["body", "default_locale"], "message": "not in locales", "code": "value_error"}
            ],
        )
    before = audit.snapshot(commune, list(changes))
    for key, value in changes.items():
        setattr(commune, key, value)
    commune.updated_at = utcnow()
    await session.flush()
    changed = audit.diff(before, audit.snapshot(commune, list(changes)))
    if changed:
        _record(session, commune.id, "commune", commune.id, "update", changed)
    return commune


async def list_communes(session: AsyncSession, params: PageParams) -> tuple[list[Commune], str | None]:
    return await keyset_page(
        session,
        CommuneRepository(session).base_statement(),
        params=params,
        sorts={"slug": Commune.slug, "created_at": Commune.created_at, "name": Commune.name},
        default_sort="slug",
        id_column=Commune.id,
    )


def _module_or_404(registry: ModuleRegistry, key: str) -> CivicModule:
    module = registry.get(key)
    if module is None:
        raise NotFound(f"module {key!r} is not installed on this platform")
    return module


async def enable_module(
    session: AsyncSession, registry: ModuleRegistry, commune: Commune, key: str, settings: dict[str, Any]
) -> CommuneModule:
    module = _module_or_404(registry, key)
    try:
        parsed = module.settings_schema.model_validate(settings)
    except ValidationError as exc:
        raise InvalidInput(
            f"settings of module {key!r} are invalid", errors=validation_errors(exc, ["body", "settings"])
        ) from exc
    repo = CommuneModuleRepository(session, commune.id)
    row = await repo.by_key(key)
    before: dict[str, Any] = {}
    if row is None:
        row = repo.add(CommuneModule(module_key=key, enabled=True, settings=parsed.model_dump(mode="json")))
    else:
        before = audit.snapshot(row, MODULE_FIELDS)
        was_enabled = row.enabled
        row.enabled = True
        row.settings = parsed.model_dump(mode="json")
        row.updated_at = utcnow()
        if not was_enabled:
            row.enabled_at = utcnow()
    await repo.flush()
    changed = audit.diff(before, audit.snapshot(row, MODULE_FIELDS))
    if changed:
        _record(session, commune.id, "module", row.id, "enable", changed)
    if module.on_enable is not None:
        await module.on_enable(session, commune.id, parsed)
    return row


async def disable_module(session: AsyncSession, registry: ModuleRegistry, commune: Commune, key: str) -> None:
    """Hide the module's routes for this commune. Its data and settings are kept for a later re-enable."""
    _module_or_404(registry, key)
    repo = CommuneModuleRepository(session, commune.id)
    row = await repo.by_key(key)
    if row is None or not row.enabled:
        raise NotFound(f"module {key!r} is not enabled for this commune")
    row.enabled = False
    row.updated_at = utcnow()
    await repo.flush()
    _record(session, commune.id, "module", row.id, "disable", {"enabled": [True, False]})


async def get_commune_module(
    session: AsyncSession, registry: ModuleRegistry, commune: Commune, key: str
) -> CommuneModule:
    _module_or_404(registry, key)
    row = await CommuneModuleRepository(session, commune.id).by_key(key)
    if row is None:
        raise NotFound(f"module {key!r} has never been enabled for this commune")
    return row


async def list_commune_modules(session: AsyncSession, commune: Commune) -> list[CommuneModule]:
    repo = CommuneModuleRepository(session, commune.id)
    return await repo.all(repo.base_statement())


async def enabled_module_keys(session: AsyncSession, commune_id: uuid.UUID) -> set[str]:
    """The event bus's recipient filter: events reach only modules the commune has enabled."""
    return await CommuneModuleRepository(session, commune_id).enabled_keys()


async def add_member(session: AsyncSession, commune: Commune, data: MembershipCreate) -> Membership:
    users = UserRepository(session)
    user: User | None
    if data.user_id is not None:
        user = await users.get(data.user_id)
    else:
        assert data.email is not None
        user = await users.by_email(data.email)
    if user is None:
        raise NotFound(
            "no account with this id or email; invite the address instead (POST .../invitations)",
            reason="unknown_user",
        )
    return await grant_role(session, commune.id, user.id, data.role.value)


async def grant_role(
    session: AsyncSession, commune_id: uuid.UUID, user_id: uuid.UUID, role: str
) -> Membership:
    """Give ``role`` to the account ``user_id`` in the commune (409 if held already), audited."""
    repo = MembershipRepository(session, commune_id)
    if await repo.find(user_id, role) is not None:
        raise Conflict("this person already holds this role here", reason="duplicate_role")
    membership = repo.add(Membership(user_id=user_id, role=role))
    await repo.flush()
    created = audit.diff({}, audit.snapshot(membership, MEMBERSHIP_FIELDS))
    _record(session, commune_id, "membership", membership.id, "create", created)
    return membership


async def list_members(session: AsyncSession, commune: Commune) -> list[Membership]:
    repo = MembershipRepository(session, commune.id)
    return await repo.all(repo.base_statement().order_by(Membership.created_at, Membership.id))


async def remove_member(session: AsyncSession, commune: Commune, membership_id: uuid.UUID) -> None:
    repo = MembershipRepository(session, commune.id)
    membership = await repo.get_or_404(membership_id)
    before = audit.snapshot(membership, MEMBERSHIP_FIELDS)
    await repo.delete(membership)
    await repo.flush()
    _record(
        session, commune.id, "membership", membership_id, "delete", audit.diff(before, dict.fromkeys(before))
    )


# --- audit trail -----------------------------------------------------------------------------------------


async def list_audit_entries(
    session: AsyncSession, commune: Commune, params: PageParams, filters: AuditFilters
) -> tuple[list[AuditEntry], str | None]:
    """The commune's audit trail (every visibility), newest first unless ``params.sort`` says otherwise."""
    return await AuditRepository(session, commune.id).page(params, filters)


async def public_history(
    session: AsyncSession, commune: Commune, resource: ResourceRef, params: PageParams
) -> tuple[list[AuditEntry], str | None]:
    """The public entries about ``resource`` in ``commune``, oldest first. A resource without any (unknown,
    of another commune, or never made public) is a 404."""
    rows, cursor = await AuditRepository(session, commune.id).public_history(resource, params)
    if not rows and params.cursor is None:
        raise NotFound(f"no public history for {resource.module}/{resource.type}/{resource.id}")
    return rows, cursor
