"""The audit trail (Decidim's action log): every state-changing command records who did what to which
resource, with the changed fields, in the same unit of work as the change itself.

The actor is taken from the unit of work (:func:`set_actor`, done once per request by the caller
dependency), so services record entries without threading the actor through every signature. Entries are
``admin`` (visible to the commune's admins) or ``public`` (they give resources a public history).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from civicapi.core.db.base import Base, IdMixin, utcnow
from civicapi.core.links import ResourceRef

_ACTOR = "civicapi_actor"


AUDIT_TABLE = "core_audit_entry"


class ActorType(StrEnum):
    user = "user"
    api_key = "api_key"
    system = "system"
    erased = "erased"
    """A person whose account was erased: the entry stays, under no id (see :func:`forget_person`)."""


class Visibility(StrEnum):
    admin = "admin"
    public = "public"


@dataclass(frozen=True, slots=True)
class Actor:
    type: ActorType
    id: uuid.UUID | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorType.system)


def set_actor(session: AsyncSession, actor: Actor) -> None:
    session.info[_ACTOR] = actor


def current_actor(session: AsyncSession) -> Actor:
    actor: Actor = session.info.get(_ACTOR, Actor.system())
    return actor


class AuditEntry(IdMixin, Base):
    __tablename__ = AUDIT_TABLE
    __table_args__ = (
        Index("ix_core_audit_entry_commune_created", "commune_id", "created_at"),
        Index("ix_core_audit_entry_resource", "resource_module", "resource_type", "resource_id"),
    )

    commune_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("communes_commune.id", ondelete="CASCADE")
    )
    actor_type: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(80))
    resource_module: Mapped[str] = mapped_column(String(40))
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[uuid.UUID | None]
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.admin.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(after.get(key))]
        for key in after
        if _jsonable(before.get(key)) != _jsonable(after.get(key))
    }


def snapshot(obj: object, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _values(
    actor: Actor,
    *,
    commune_id: uuid.UUID | None,
    action: str,
    resource: ResourceRef,
    changes: Mapping[str, Any] | None,
    visibility: Visibility,
) -> dict[str, Any]:
    return {
        "commune_id": commune_id,
        "actor_type": actor.type.value,
        "actor_id": actor.id,
        "action": action,
        "resource_module": resource.module,
        "resource_type": resource.type,
        "resource_id": resource.id,
        "changes": _jsonable(dict(changes or {})),
        "visibility": visibility.value,
    }


def record(
    session: AsyncSession,
    *,
    commune_id: uuid.UUID | None,
    action: str,
    resource: ResourceRef,
    changes: Mapping[str, Any] | None = None,
    visibility: Visibility = Visibility.admin,
) -> AuditEntry:
    """Add an entry to the unit of work; it is committed (or rolled back) with the change it describes."""
    values = _values(
        current_actor(session),
        commune_id=commune_id,
        action=action,
        resource=resource,
        changes=changes,
        visibility=visibility,
    )
    entry = AuditEntry(**values)
    session.add(entry)
    return entry


TABLE = AuditEntry.metadata.tables[AUDIT_TABLE]
_INSERT = TABLE.insert()


def entry_row(
    by: AsyncSession | Actor,
    *,
    commune_id: uuid.UUID | None,
    action: str,
    resource: ResourceRef,
    changes: Mapping[str, Any] | None = None,
    visibility: Visibility = Visibility.admin,
) -> dict[str, Any]:
    """Every column of the entry :func:`record` would add, for a statement that inserts it along with the
    change it describes (:data:`TABLE`). ``by``: the unit of work whose actor made the change, or the
    actor itself (a statement sent outside a unit of work)."""
    values = _values(
        by if isinstance(by, Actor) else current_actor(by),
        commune_id=commune_id,
        action=action,
        resource=resource,
        changes=changes,
        visibility=visibility,
    )
    return {**values, "id": uuid.uuid4(), "created_at": utcnow()}


async def record_now(
    session: AsyncSession,
    *,
    commune_id: uuid.UUID | None,
    action: str,
    resource: ResourceRef,
    changes: Mapping[str, Any] | None = None,
    visibility: Visibility = Visibility.admin,
) -> None:
    """The same entry as :func:`record`, inserted at once by one table-level ``INSERT`` (still in the unit of
    work's transaction): for the busiest writes, where the unit of work's flush of one object costs more
    than the statement."""
    row = entry_row(
        session,
        commune_id=commune_id,
        action=action,
        resource=resource,
        changes=changes,
        visibility=visibility,
    )
    await session.execute(_INSERT, row)


def created(obj: object, fields: list[str] | tuple[str, ...]) -> dict[str, list[Any]]:
    """``{field: [None, value]}`` for the set fields of a new object."""
    return diff({}, snapshot(obj, fields))


def deleted(obj: object, fields: list[str] | tuple[str, ...]) -> dict[str, list[Any]]:
    """``{field: [value, None]}``: the last values of an object about to go."""
    before = snapshot(obj, fields)
    return diff(before, dict.fromkeys(before))


@dataclass(frozen=True, slots=True)
class ModuleTrail:
    """The audit entries of one module: ``<module>.<kind>.<verb>`` about ``<module>/<kind>/<id>``."""

    module: str

    def ref(self, kind: str, id: uuid.UUID) -> ResourceRef:
        return ResourceRef(self.module, kind, id)

    def record(
        self,
        session: AsyncSession,
        *,
        commune_id: uuid.UUID,
        kind: str,
        id: uuid.UUID,
        verb: str,
        changes: Mapping[str, Any] | None = None,
        public: bool = False,
    ) -> None:
        """Record ``<module>.<kind>.<verb>``: for the commune's admins, or ``public`` (a public history)."""
        record(session, **self._entry(commune_id, kind, id, verb, changes, public))

    async def record_now(
        self,
        session: AsyncSession,
        *,
        commune_id: uuid.UUID,
        kind: str,
        id: uuid.UUID,
        verb: str,
        changes: Mapping[str, Any] | None = None,
        public: bool = False,
    ) -> None:
        """:meth:`record`, inserted at once (see :func:`record_now`)."""
        await record_now(session, **self._entry(commune_id, kind, id, verb, changes, public))

    def entry_row(
        self,
        by: AsyncSession | Actor,
        *,
        commune_id: uuid.UUID,
        kind: str,
        id: uuid.UUID,
        verb: str,
        changes: Mapping[str, Any] | None = None,
        public: bool = False,
    ) -> dict[str, Any]:
        """The row :meth:`record` would add (see :func:`entry_row`)."""
        return entry_row(by, **self._entry(commune_id, kind, id, verb, changes, public))

    def _entry(
        self,
        commune_id: uuid.UUID,
        kind: str,
        id: uuid.UUID,
        verb: str,
        changes: Mapping[str, Any] | None,
        public: bool,
    ) -> dict[str, Any]:
        return {
            "commune_id": commune_id,
            "action": f"{self.module}.{kind}.{verb}",
            "resource": self.ref(kind, id),
            "changes": changes,
            "visibility": Visibility.public if public else Visibility.admin,
        }


ERASED = "[erased]"
"""What replaces a erased person's id, address or name inside an entry's ``changes``."""


def _scrub(value: Any, pattern: re.Pattern[str], names: set[str]) -> Any:
    if isinstance(value, str):
        return ERASED if value.strip().casefold() in names else pattern.sub(ERASED, value)
    if isinstance(value, Mapping):
        return {_scrub(str(k), pattern, names): _scrub(v, pattern, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, pattern, names) for v in value]
    return value


async def forget_person(
    session: AsyncSession,
    person_id: uuid.UUID,
    *,
    addresses: Iterable[str] = (),
    names: Iterable[str] = (),
) -> int:
    """Unlink the trail from an erased person; how many entries it changed.

    Entries the person made keep their action, resource and time, with actor ``erased`` and no id: they
    cannot be joined to each other, nor to the person. Entries about the person (``resource_id``, or their
    data among the ``changes``, whoever made them) lose it (:data:`ERASED`): their id and ``addresses``
    wherever they occur in a value, ``names`` (a display name, which may be a common word) only as a whole
    value, both case-insensitively. The search reads the changes' JSON text of the whole table once (an
    erasure is rare; the entries about a person are not indexed)."""
    found = sorted({str(person_id), person_id.hex, *(a for a in addresses if a)}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in found), re.IGNORECASE)
    whole = {n.strip().casefold() for n in names if n.strip()}
    text = func.lower(cast(AuditEntry.changes, Text))
    # JSON text escapes non-ASCII characters on SQLite ("\u00eb"), not in PostgreSQL's JSONB.
    forms = {form.lower() for n in (*found, *whole) for form in (n, json.dumps(n)[1:-1])}
    stmt = select(AuditEntry).where(
        or_(
            AuditEntry.actor_id == person_id,
            AuditEntry.resource_id == person_id,
            *(text.contains(form, autoescape=True) for form in forms),
        )
    )
    changed = 0
    for entry in (await session.execute(stmt)).scalars():
        scrubbed = _scrub(entry.changes, pattern, whole)
        if entry.actor_id != person_id and entry.resource_id != person_id and scrubbed == entry.changes:
            continue  # the text matched by chance ("Al" in "Alpha")
        changed += 1
        if entry.actor_id == person_id:
            entry.actor_type, entry.actor_id = ActorType.erased.value, None
        if entry.resource_id == person_id:
            entry.resource_id = None
        entry.changes = scrubbed
    await session.flush()
    return changed
