"""Integrator API keys: bound to one commune, scoped, stored hashed, shown once, revocable.

A key looks like ``civ_<prefix>_<secret>``. Scopes: ``read`` (previews and read-only permissions),
``write:<module key>`` (every permission of that module) and ``invite`` (invite participants by mail). Platform permissions (commune settings, members,
keys) are never granted to a key.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.db.session import BOOKKEEPING
from civicapi.core.errors import InvalidInput, NotFound, Unauthorized
from civicapi.identity.models import ApiKey
from civicapi.identity.tokens import hash_token

KEY_PREFIX = "civ_"
READ_SCOPE = "read"
WRITE_SCOPE = "write:"
LAST_USED_RESOLUTION = timedelta(minutes=1)
READ_PERMISSION_SUFFIXES = (".read", ".preview", ".export")
INVITE_SCOPE = "invite"
INVITE_PERMISSION = "members.invite"
"""The ``invite`` scope grants this permission alone (inviting participants by mail)."""


def check_scopes(scopes: list[str], module_keys: list[str]) -> list[str]:
    errors = []
    for i, scope in enumerate(scopes):
        if scope in (READ_SCOPE, INVITE_SCOPE):
            continue
        if scope.startswith(WRITE_SCOPE) and scope.removeprefix(WRITE_SCOPE) in module_keys:
            continue
        errors.append(
            {
                "location": ["body", "scopes", i],
                "message": f"unknown scope; use 'read', 'invite' or 'write:<module>' with one of {', '.join(module_keys) or 'no module'}",
                "code": "unknown_scope",
            }
        )
    if errors:
        raise InvalidInput("unknown scope(s)", errors=errors)
    return sorted(set(scopes))


def key_allows(scopes: list[str], permission: str) -> bool:
    if permission == INVITE_PERMISSION:
        return INVITE_SCOPE in scopes
    area = permission.split(".", 1)[0]
    if f"{WRITE_SCOPE}{area}" in scopes:
        return True
    return READ_SCOPE in scopes and permission.endswith(READ_PERMISSION_SUFFIXES)


async def create_api_key(
    session: AsyncSession,
    *,
    commune_id: uuid.UUID,
    name: str,
    scopes: list[str],
    module_keys: list[str],
    created_by: uuid.UUID | None,
) -> tuple[ApiKey, str]:
    scopes = check_scopes(scopes, module_keys)
    prefix = secrets.token_hex(4)
    plaintext = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        commune_id=commune_id,
        name=name,
        prefix=f"{KEY_PREFIX}{prefix}",
        key_hash=hash_token(plaintext),
        scopes=scopes,
        created_by_user_id=created_by,
    )
    session.add(key)
    await session.flush()
    return key, plaintext


async def authenticate_key(session: AsyncSession, plaintext: str) -> ApiKey:
    key = (
        await session.execute(select(ApiKey).where(ApiKey.key_hash == hash_token(plaintext)))
    ).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
        raise Unauthorized("unknown or revoked API key")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        # At most one write a minute per key; also on reads (a usage record, allowed in a read-only unit
        # of work): one statement, which updates the loaded key too.
        await session.execute(
            update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now),
            execution_options={BOOKKEEPING: True},
        )
    return key


async def list_api_keys(session: AsyncSession, commune_id: uuid.UUID) -> list[ApiKey]:
    stmt = select(ApiKey).where(ApiKey.commune_id == commune_id).order_by(ApiKey.created_at, ApiKey.id)
    return list((await session.execute(stmt)).scalars())


async def revoke_api_key(session: AsyncSession, commune_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey:
    key = (
        await session.execute(select(ApiKey).where(ApiKey.id == key_id, ApiKey.commune_id == commune_id))
    ).scalar_one_or_none()
    if key is None:
        raise NotFound(f"API key {key_id} not found")
    key.revoked_at = key.revoked_at or utcnow()
    await session.flush()
    return key
