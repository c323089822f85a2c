"""Refresh tokens (rotating, hashed, reuse detection), one-time mail tokens, access-token revocation."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.security import TokenClaims
from civicapi.identity.models import OneTimeToken, RefreshToken, RevokedAccessToken, User

# Moved to the repository; budgets (being reshaped elsewhere) still imports it from here.
from civicapi.identity.repository_tokens import TOKEN_ACCOUNT as TOKEN_ACCOUNT
from civicapi.identity.repository_tokens import TOKEN_USER, RefreshTokenRepository, token_user_row
from civicapi.identity.repository_tokens import consume_one_time_token as consume_one_time_token_row

REFRESH_PREFIX = "rt_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


async def issue_refresh_token(
    session: AsyncSession, user: User, *, ttl: timedelta, family_id: uuid.UUID | None = None
) -> str:
    token = new_secret(REFRESH_PREFIX)
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id or uuid.uuid4(),
            token_hash=hash_token(token),
            expires_at=utcnow() + ttl,
        )
    )
    await session.flush()
    return token


@dataclass(frozen=True, slots=True)
class Rotation:
    """Outcome of presenting a refresh token: the user and a new token, or why not."""

    user_id: uuid.UUID | None = None
    new_token: str | None = None
    failure: str | None = None
    reuse_detected: bool = False


async def rotate_refresh_token(session: AsyncSession, token: str, *, ttl: timedelta) -> Rotation:
    """Exchange ``token`` for a new one of the same family. Race-free: the old token is consumed by a
    conditional UPDATE, so two concurrent uses of one token cannot both succeed; the loser (or any later
    use of a consumed token) revokes the whole family."""
    tokens = RefreshTokenRepository(session)
    row = await tokens.by_hash(hash_token(token))
    if row is None:
        return Rotation(failure="unknown refresh token")
    now = utcnow()
    if row.revoked_at is not None:
        return Rotation(failure="refresh token revoked")
    if row.expires_at <= now:
        return Rotation(failure="refresh token expired")
    if not await tokens.consume(row.id, now=now):
        await revoke_family(session, row.family_id)
        return Rotation(
            failure="refresh token reused: every session of this login is revoked", reuse_detected=True
        )
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        return Rotation(failure="account disabled")
    new_token = await issue_refresh_token(session, user, ttl=ttl, family_id=row.family_id)
    return Rotation(user_id=user.id, new_token=new_token)


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await RefreshTokenRepository(session).revoke_family(family_id, now=utcnow())


async def revoke_refresh_token(session: AsyncSession, token: str, *, user_id: uuid.UUID) -> None:
    """Logout: revoke the family of ``token`` if it belongs to ``user_id`` (unknown tokens are ignored)."""
    row = await RefreshTokenRepository(session).by_hash(hash_token(token))
    if row is not None and row.user_id == user_id:
        await revoke_family(session, row.family_id)


async def revoke_all_sessions(session: AsyncSession, user: User) -> None:
    """Password change or reset, erasure: every refresh token and every access token issued so far."""
    await RefreshTokenRepository(session).revoke_of_user(user.id, now=utcnow())
    user.sessions_revoked_at = utcnow()


async def revoke_access_token(session: AsyncSession, claims: TokenClaims) -> None:
    if await session.get(RevokedAccessToken, claims.jti) is None:
        session.add(RevokedAccessToken(jti=claims.jti, expires_at=claims.exp))
        await session.flush()


async def token_user(
    session: AsyncSession,
    user_id: uuid.UUID,
    claims: TokenClaims,
    *,
    statement: Select[*tuple[Any, ...]] = TOKEN_USER,
    params: Mapping[str, Any] | None = None,
) -> tuple[User | None, bool, tuple[Any, ...]]:
    """The account an access token speaks for (None when it is gone) and whether the token was revoked (a
    logout, or every session closed since it was issued), in one round trip. ``statement``:
    :data:`TOKEN_USER` with more columns, whose values come back third (``params`` are theirs)."""
    values = {"user_id": user_id, "jti": claims.jti, **(params or {})}
    row = await token_user_row(session, statement, values)
    if row is None:
        return None, False, ()
    user, is_revoked, *extra = row
    return user, is_revoked_token(claims, bool(is_revoked), user.sessions_revoked_at), tuple(extra)


def is_revoked_token(claims: TokenClaims, listed: bool, sessions_revoked_at: datetime | None) -> bool:
    """Whether a verified token no longer counts: ``listed`` among revoked tokens (a logout), or issued
    before its account closed every session."""
    return listed or (
        sessions_revoked_at is not None and claims.iat < sessions_revoked_at.replace(microsecond=0)
    )


async def issue_one_time_token(session: AsyncSession, user: User, *, purpose: str, ttl: timedelta) -> str:
    token = new_secret()
    session.add(
        OneTimeToken(
            user_id=user.id, purpose=purpose, token_hash=hash_token(token), expires_at=utcnow() + ttl
        )
    )
    await session.flush()
    return token


async def consume_one_time_token(session: AsyncSession, token: str, *, purpose: str) -> uuid.UUID | None:
    """The user id of a valid, unused, unexpired token of ``purpose``, consumed atomically; else None."""
    return await consume_one_time_token_row(session, hash_token(token), purpose=purpose, now=utcnow())
