"""Repositories hold all SQL. Tenant-owned repositories subclass :class:`CommuneScopedRepository`, whose
base statement always filters on ``commune_id``: the single point where tenancy is enforced."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from civicapi.core.errors import NotFound

M = TypeVar("M", bound=DeclarativeBase)


def upsert_insert(session: AsyncSession) -> Any:
    """The session's dialect's ``insert`` (PostgreSQL's or SQLite's), which has ``on_conflict_do_nothing``
    and ``on_conflict_do_update``."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class Repository(Generic[M]):
    model: ClassVar[type[Any]]
    resource_name: ClassVar[str] = "resource"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def base_statement(self) -> Select[M]:
        return select(self.model)

    async def get(self, id: uuid.UUID, *, options: Sequence[Any] = ()) -> M | None:
        stmt = self.base_statement().where(self.model.id == id)
        if options:
            stmt = stmt.options(*options)
        result = await self.session.execute(stmt)
        return result.scalar_one_or_none()

    async def get_or_404(self, id: uuid.UUID, *, options: Sequence[Any] = ()) -> M:
        obj = await self.get(id, options=options)
        if obj is None:
            raise NotFound(f"{self.resource_name} {id} not found")
        return obj

    async def first(self, stmt: Select[M]) -> M | None:
        return (await self.session.execute(stmt.limit(1))).scalar_one_or_none()

    async def all(self, stmt: Select[M]) -> list[M]:
        return list((await self.session.execute(stmt)).scalars().all())

    def add(self, obj: M) -> M:
        self.session.add(obj)
        return obj

    async def flush(self) -> None:
        await self.session.flush()

    async def delete(self, obj: M) -> None:
        await self.session.delete(obj)


class CommuneScopedRepository(Repository[M]):
    """Every statement is scoped to one commune: a row of another commune simply does not exist here."""

    def __init__(self, session: AsyncSession, commune_id: uuid.UUID) -> None:
        super().__init__(session)
        self.commune_id = commune_id

    def base_statement(self) -> Select[M]:
        return select(self.model).where(self.model.commune_id == self.commune_id)

    def add(self, obj: M) -> M:
        current = getattr(obj, "commune_id", None)
        if current is None:
            obj.commune_id = self.commune_id  # type: ignore[attr-defined]
        elif current != self.commune_id:
            raise NotFound(f"{self.resource_name} belongs to another commune")
        return super().add(obj)
