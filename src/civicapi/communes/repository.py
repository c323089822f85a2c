from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from civicapi.communes.models import Commune, CommuneModule, Membership
from civicapi.core.db.base import id_param
from civicapi.core.db.repository import CommuneScopedRepository, Repository
from civicapi.identity.models import User
from civicapi.identity.tokens import TOKEN_USER


class CommuneRepository(Repository[Commune]):
    model = Commune
    resource_name = "commune"

    async def by_slug(self, slug: str, *, with_modules: bool = False) -> Commune | None:
        return await self._one(select(Commune).where(Commune.slug == slug), with_modules)

    async def by_id(self, commune_id: uuid.UUID, *, with_modules: bool = False) -> Commune | None:
        return await self._one(select(Commune).where(Commune.id == commune_id), with_modules)

    async def _one(self, stmt: Select[Commune], with_modules: bool) -> Commune | None:
        if with_modules:
            stmt = stmt.options(joinedload(Commune.modules))
        return (await self.session.execute(stmt)).unique().scalar_one_or_none()


class CommuneModuleRepository(CommuneScopedRepository[CommuneModule]):
    model = CommuneModule
    resource_name = "module"

    async def by_key(self, key: str) -> CommuneModule | None:
        return await self.first(self.base_statement().where(CommuneModule.module_key == key))

    async def enabled_keys(self) -> set[str]:
        rows = await self.session.execute(
            select(CommuneModule.module_key).where(
                CommuneModule.commune_id == self.commune_id, CommuneModule.enabled.is_(True)
            )
        )
        return set(rows.scalars())


ROLES_SEPARATOR = ","
CALLER = TOKEN_USER.add_columns(
    select(func.aggregate_strings(Membership.role, ROLES_SEPARATOR))
    .where(Membership.commune_id == id_param("commune_id"), Membership.user_id == User.id)
    .scalar_subquery()
)
"""The token's account with its roles in a commune (joined by :data:`ROLES_SEPARATOR`, NULL for none), in
the round trip that checks the token: every authenticated request in a commune runs it."""

_ROLES = select(Membership.role).where(
    Membership.commune_id == id_param("commune_id"), Membership.user_id == id_param("user_id")
)
"""Built once: every authenticated request runs it."""


class MembershipRepository(CommuneScopedRepository[Membership]):
    model = Membership
    resource_name = "membership"

    async def roles_of(self, user_id: uuid.UUID) -> set[str]:
        rows = await self.session.execute(_ROLES, {"commune_id": self.commune_id, "user_id": user_id})
        return set(rows.scalars())

    async def find(self, user_id: uuid.UUID, role: str) -> Membership | None:
        return await self.first(
            self.base_statement().where(Membership.user_id == user_id, Membership.role == role)
        )
