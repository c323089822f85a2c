"""Typed links between resources of different modules, kept by the core so modules never import each other.

A link reads "``from`` --name--> ``to``", e.g. ``budgets/project/<id> --included_proposals--> proposals/
proposal/<id>``. Links belong to one commune: both ends must be resources of that commune, which the module
creating the link has already loaded through its commune-scoped repository.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from civicapi.core.db.base import Base, IdMixin, utcnow


@dataclass(frozen=True, slots=True)
class ResourceRef:
    module: str
    type: str
    id: uuid.UUID


class ResourceLink(IdMixin, Base):
    __tablename__ = "core_resource_link"
    __table_args__ = (
        UniqueConstraint(
            "commune_id", "from_module", "from_type", "from_id", "name", "to_module", "to_type", "to_id"
        ),
        Index("ix_core_resource_link_to", "commune_id", "to_module", "to_type", "to_id"),
    )

    commune_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communes_commune.id", ondelete="CASCADE"))
    from_module: Mapped[str] = mapped_column(String(40))
    from_type: Mapped[str] = mapped_column(String(40))
    from_id: Mapped[uuid.UUID]
    to_module: Mapped[str] = mapped_column(String(40))
    to_type: Mapped[str] = mapped_column(String(40))
    to_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def source(self) -> ResourceRef:
        return ResourceRef(self.from_module, self.from_type, self.from_id)

    @property
    def target(self) -> ResourceRef:
        return ResourceRef(self.to_module, self.to_type, self.to_id)


async def link(
    session: AsyncSession, *, commune_id: uuid.UUID, source: ResourceRef, target: ResourceRef, name: str
) -> ResourceLink:
    """Create the link unless it exists already (idempotent)."""
    existing = await session.execute(
        select(ResourceLink).where(
            ResourceLink.commune_id == commune_id,
            ResourceLink.from_module == source.module,
            ResourceLink.from_type == source.type,
            ResourceLink.from_id == source.id,
            ResourceLink.name == name,
            ResourceLink.to_module == target.module,
            ResourceLink.to_type == target.type,
            ResourceLink.to_id == target.id,
        )
    )
    found = existing.scalar_one_or_none()
    if found is not None:
        return found
    row = ResourceLink(
        commune_id=commune_id,
        from_module=source.module,
        from_type=source.type,
        from_id=source.id,
        to_module=target.module,
        to_type=target.type,
        to_id=target.id,
        name=name,
    )
    session.add(row)
    await session.flush()
    return row


async def links_from(
    session: AsyncSession, *, commune_id: uuid.UUID, source: ResourceRef, name: str | None = None
) -> list[ResourceLink]:
    stmt = select(ResourceLink).where(
        ResourceLink.commune_id == commune_id,
        ResourceLink.from_module == source.module,
        ResourceLink.from_type == source.type,
        ResourceLink.from_id == source.id,
    )
    if name is not None:
        stmt = stmt.where(ResourceLink.name == name)
    return list((await session.execute(stmt.order_by(ResourceLink.created_at, ResourceLink.id))).scalars())


async def links_to(
    session: AsyncSession, *, commune_id: uuid.UUID, target: ResourceRef, name: str | None = None
) -> list[ResourceLink]:
    stmt = select(ResourceLink).where(
        ResourceLink.commune_id == commune_id,
        ResourceLink.to_module == target.module,
        ResourceLink.to_type == target.type,
        ResourceLink.to_id == target.id,
    )
    if name is not None:
        stmt = stmt.where(ResourceLink.name == name)
    return list((await session.execute(stmt.order_by(ResourceLink.created_at, ResourceLink.id))).scalars())
