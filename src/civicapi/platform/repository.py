"""The SQL of the platform's routes that belong to no commune: what a person's export reads across
communes (their memberships, what they did according to the audit trail)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune, Membership
from civicapi.core.audit import AuditEntry


async def memberships_of(session: AsyncSession, user_id: uuid.UUID) -> list[Row[str, str, datetime]]:
    """(commune slug, role, since) of each membership of a person, by commune and role."""
    stmt = (
        select(Commune.slug, Membership.role, Membership.created_at)
        .join(Commune, Commune.id == Membership.commune_id)
        .where(Membership.user_id == user_id)
        .order_by(Commune.slug, Membership.role)
    )
    return list((await session.execute(stmt)).all())


async def activity_of(session: AsyncSession, user_id: uuid.UUID, *, limit: int) -> list[AuditEntry]:
    """The audit entries a person made, oldest first, at most ``limit``."""
    stmt = (
        select(AuditEntry).where(AuditEntry.actor_id == user_id).order_by(AuditEntry.created_at).limit(limit)
    )
    return list((await session.execute(stmt)).scalars())
