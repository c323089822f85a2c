"""All SQL of resident verification, scoped to one commune."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import id_param
from civicapi.core.db.raw import table_columns
from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.identity.verification.models import CensusEntry, Verification, VerificationStatus

_OF_USER = (
    select(Verification)
    .where(Verification.commune_id == id_param("commune_id"), Verification.user_id == id_param("user_id"))
    .order_by(Verification.granted_at.desc(), Verification.id)
)
_COLUMNS, ATTRIBUTES = table_columns(Verification)
OF_USER_ROWS = _OF_USER.with_only_columns(*_COLUMNS)
""":meth:`VerificationRepository.of_user`'s rows as plain columns, named by :data:`ATTRIBUTES` (for a statement
run outside the ORM, :mod:`civicapi.core.db.raw`: ``transient(Verification, ATTRIBUTES, row)``)."""


class VerificationRepository(CommuneScopedRepository[Verification]):
    model = Verification
    resource_name = "verification"

    async def granted_for_user(self, user_id: uuid.UUID, handler: str) -> Verification | None:
        return await self.first(
            self.base_statement().where(
                Verification.user_id == user_id,
                Verification.handler == handler,
                Verification.status == VerificationStatus.granted.value,
            )
        )

    async def holders_of(self, handler: str, identity_key: str) -> list[Verification]:
        """Every verification (granted or revoked) of this identity with this handler."""
        return await self.all(
            self.base_statement().where(
                Verification.handler == handler, Verification.identity_key == identity_key
            )
        )

    async def of_user(self, user_id: uuid.UUID, handlers: Sequence[str] | None = None) -> list[Verification]:
        if handlers is None:  # every vote and proposal runs this one: built once
            params = {"commune_id": self.commune_id, "user_id": user_id}
            return list((await self.session.execute(_OF_USER, params)).scalars())
        stmt = self.base_statement().where(
            Verification.user_id == user_id, Verification.handler.in_(list(handlers))
        )
        return await self.all(stmt.order_by(Verification.granted_at.desc(), Verification.id))


class CensusRepository(CommuneScopedRepository[CensusEntry]):
    model = CensusEntry
    resource_name = "census entry"

    async def by_identity_key(self, identity_key: str) -> CensusEntry | None:
        return await self.first(self.base_statement().where(CensusEntry.identity_key == identity_key))

    async def count(self) -> int:
        stmt = select(func.count()).select_from(CensusEntry).where(CensusEntry.commune_id == self.commune_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def replace_all(self, rows: Sequence[dict[str, Any]], *, batch_size: int = 1000) -> None:
        """Delete the commune's census and insert ``rows`` (dicts of column values) in batches."""
        await self.session.execute(delete(CensusEntry).where(CensusEntry.commune_id == self.commune_id))
        for start in range(0, len(rows), batch_size):
            batch = [{**row, "commune_id": self.commune_id} for row in rows[start : start + batch_size]]
            await self.session.execute(insert(CensusEntry), batch)


async def verifications_of_person(session: AsyncSession, user_id: uuid.UUID) -> list[Verification]:
    """Every verification of a person, in every commune (the personal-data export)."""
    return list(
        (await session.execute(select(Verification).where(Verification.user_id == user_id))).scalars()
    )


async def detach_verifications(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Unlink a person's verifications from their account and drop their metadata (an erasure)."""
    await session.execute(
        update(Verification)
        .where(Verification.user_id == user_id)
        .values(user_id=None, meta={})
        .execution_options(synchronize_session=False)
    )
