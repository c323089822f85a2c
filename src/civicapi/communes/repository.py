from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from civicapi.communes.models import Commune, CommuneModule, Invitation, Membership
from civicapi.core.db.base import id_param, utcnow
from civicapi.core.db.repository import CommuneScopedRepository, Repository
from civicapi.identity.models import User
from civicapi.identity.repository_tokens import TOKEN_USER


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


class InvitationRepository(CommuneScopedRepository[Invitation]):
    model = Invitation
    resource_name = "invitation"

    async def by_email(self, email: str) -> Invitation | None:
        return await self.first(self.base_statement().where(Invitation.email == email))

    def awaiting_answer(self) -> Select[Invitation]:
        """Neither accepted nor revoked (expired ones included: they can be sent again)."""
        return self.base_statement().where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))


async def consume_invitation(session: AsyncSession, token_hash: str) -> Invitation | None:
    """The invitation whose code hashes to ``token_hash``, marked accepted, if it was awaiting an answer and
    unexpired; else None. One statement, so a code is accepted once however many requests race."""
    now = utcnow()
    invitation_id = (
        await session.execute(
            update(Invitation)
            .where(
                Invitation.token_hash == token_hash,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .values(accepted_at=now)
            .returning(Invitation.id)
            .execution_options(synchronize_session=False)
        )
    ).scalar_one_or_none()
    if invitation_id is None:
        return None
    return await session.get(Invitation, invitation_id, populate_existing=True)


async def invitations_to(session: AsyncSession, email: str) -> list[tuple[str, Invitation]]:
    """Every invitation mailed to ``email``, with its commune's slug (a person's data export)."""
    rows = await session.execute(
        select(Commune.slug, Invitation)
        .join(Commune, Commune.id == Invitation.commune_id)
        .where(Invitation.email == email)
        .order_by(Invitation.created_at, Invitation.id)
    )
    return [(row[0], row[1]) for row in rows.all()]


async def forget_invitations_to(session: AsyncSession, email: str) -> None:
    await session.execute(
        delete(Invitation).where(Invitation.email == email).execution_options(synchronize_session=False)
    )


def module_enabled_clause(commune_id: uuid.UUID, module_key: str) -> ColumnElement[bool]:
    """True where the commune has enabled the module (an ``EXISTS`` to put in a module's statement: where
    it is not, the module's routes answer 404 to everyone, so its resources are seen by no one)."""
    return (
        select(CommuneModule.id)
        .where(
            CommuneModule.commune_id == commune_id,
            CommuneModule.module_key == module_key,
            CommuneModule.enabled.is_(True),
        )
        .exists()
    )
