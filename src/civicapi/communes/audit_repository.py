"""SQL of the audit trail: one commune's entries, filtered and paginated, and one resource's public history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from civicapi.core.audit import ActorType, AuditEntry, Visibility
from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.core.links import ResourceRef
from civicapi.core.pagination import PageParams, keyset_page

SORTS: dict[str, InstrumentedAttribute[Any]] = {"created_at": AuditEntry.created_at}


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """Filters of the admin list; ``None`` means "any". ``since`` is inclusive, ``until`` exclusive."""

    action: str | None = None
    resource_module: str | None = None
    resource_type: str | None = None
    resource_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    actor_type: ActorType | None = None
    visibility: Visibility | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditRepository(CommuneScopedRepository[AuditEntry]):
    model = AuditEntry
    resource_name = "audit entry"

    def filtered(self, filters: AuditFilters) -> Select[Any]:
        stmt = self.base_statement()
        equal: tuple[tuple[InstrumentedAttribute[Any], Any], ...] = (
            (AuditEntry.action, filters.action),
            (AuditEntry.resource_module, filters.resource_module),
            (AuditEntry.resource_type, filters.resource_type),
            (AuditEntry.resource_id, filters.resource_id),
            (AuditEntry.actor_id, filters.actor_id),
            (AuditEntry.actor_type, filters.actor_type.value if filters.actor_type else None),
            (AuditEntry.visibility, filters.visibility.value if filters.visibility else None),
        )
        for column, value in equal:
            if value is not None:
                stmt = stmt.where(column == value)
        if filters.since is not None:
            stmt = stmt.where(AuditEntry.created_at >= filters.since)
        if filters.until is not None:
            stmt = stmt.where(AuditEntry.created_at < filters.until)
        return stmt

    async def page(self, params: PageParams, filters: AuditFilters) -> tuple[list[AuditEntry], str | None]:
        return await keyset_page(
            self.session,
            self.filtered(filters),
            params=params,
            sorts=SORTS,
            default_sort="-created_at",
            id_column=AuditEntry.id,
        )

    async def public_history(
        self, resource: ResourceRef, params: PageParams
    ) -> tuple[list[AuditEntry], str | None]:
        stmt = self.base_statement().where(
            AuditEntry.resource_module == resource.module,
            AuditEntry.resource_type == resource.type,
            AuditEntry.resource_id == resource.id,
            AuditEntry.visibility == Visibility.public.value,
        )
        return await keyset_page(
            self.session, stmt, params=params, sorts=SORTS, default_sort="created_at", id_column=AuditEntry.id
        )
