"""The SQL of login sessions: refresh tokens (by hash, consumed and revoked with conditional UPDATEs),
one-time tokens, and the statement every authenticated request runs to find its account
(:data:`TOKEN_USER`). The rules around them (rotation, reuse detection, revocation) are in ``tokens.py``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import id_param
from civicapi.core.db.repository import Repository
from civicapi.identity.models import OneTimeToken, RefreshToken, RevokedAccessToken, User

TOKEN_USER = select(User, exists().where(RevokedAccessToken.jti == bindparam("jti"))).where(
    User.id == id_param("user_id")
)
"""Built once: every authenticated request runs it. Layers above may add columns to it (the caller's roles
in a commune) to read them in the same round trip: see :func:`civicapi.identity.tokens.token_user`."""

TOKEN_ACCOUNT = select(
    User.is_active,
    User.sessions_revoked_at,
    exists().where(RevokedAccessToken.jti == bindparam("jti")),
    User.email_confirmed_at.is_not(None),
).where(User.id == id_param("user_id"))
""":data:`TOKEN_USER`'s checks without loading the account, as plain columns: (active, sessions revoked
at, token listed as revoked, email confirmed); for a statement run outside the ORM (:mod:`civicapi.core.db.raw`)."""


async def token_user_row(
    session: AsyncSession, statement: Select[*tuple[Any, ...]], values: Mapping[str, Any]
) -> Row[*tuple[Any, ...]] | None:
    """One row of :data:`TOKEN_USER` (or of a statement that extends it), or None."""
    return (await session.execute(statement, values)).one_or_none()


class RefreshTokenRepository(Repository[RefreshToken]):
    model = RefreshToken
    resource_name = "refresh token"

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        return await self.first(select(RefreshToken).where(RefreshToken.token_hash == token_hash))

    async def consume(self, token_id: uuid.UUID, *, now: datetime) -> bool:
        """Mark an unused, unrevoked token used; False when another use got there first (race-free)."""
        consumed = await self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == token_id, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None)
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(consumed.rowcount == 1)  # type: ignore[attr-defined]

    async def revoke_family(self, family_id: uuid.UUID, *, now: datetime) -> None:
        await self._revoke(RefreshToken.family_id == family_id, now=now)

    async def revoke_of_user(self, user_id: uuid.UUID, *, now: datetime) -> None:
        await self._revoke(RefreshToken.user_id == user_id, now=now)

    async def sessions_of(self, user_id: uuid.UUID) -> list[Row[datetime, datetime, datetime | None]]:
        """(created, expires, revoked) of each refresh token of a person (the personal-data export)."""
        stmt = select(RefreshToken.created_at, RefreshToken.expires_at, RefreshToken.revoked_at).where(
            RefreshToken.user_id == user_id
        )
        return list((await self.session.execute(stmt)).all())

    async def _revoke(self, condition: Any, *, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(condition, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )


async def consume_one_time_token(
    session: AsyncSession, token_hash: str, *, purpose: str, now: datetime
) -> uuid.UUID | None:
    """The user id of a valid, unused, unexpired token of ``purpose``, consumed atomically; else None."""
    result = await session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.token_hash == token_hash,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(OneTimeToken.user_id)
        .execution_options(synchronize_session=False)
    )
    return result.scalar_one_or_none()
