"""Integrator API keys: bound to one commune, scoped, stored hashed, shown once, revocable.

A key looks like ``civ_<prefix>_<secret>``. Scopes: ``read`` (previews and read-only permissions),
``write:<module key>`` (every permission of that module) and ``invite`` (invite participants by mail). Platform permissions (commune settings, members,
keys) are never granted to a key.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
import weakref
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.db.memo import DB_KEY
from civicapi.core.db.session import Database
from civicapi.core.errors import InvalidInput, NotFound, Unauthorized
from civicapi.identity.models import ApiKey
from civicapi.identity.repository import ApiKeyRepository
from civicapi.identity.tokens import hash_token

KEY_PREFIX = "civ_"
READ_SCOPE = "read"
WRITE_SCOPE = "write:"
LAST_USED_RESOLUTION = timedelta(minutes=1)
READ_PERMISSION_SUFFIXES = (".read", ".preview", ".export")
INVITE_SCOPE = "invite"
INVITE_PERMISSION = "members.invite"
"""The ``invite`` scope grants this permission alone (inviting participants by mail)."""

log = logging.getLogger(__name__)


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
    key = await ApiKeyRepository(session).by_hash(hash_token(plaintext))
    if key is None or key.revoked_at is not None:
        raise Unauthorized("unknown or revoked API key")
    now = utcnow()
    db = session.info.get(DB_KEY)
    if db is not None and (key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION):
        key_uses(db).note(key.id, now)
    return key


class KeyUses:
    """The last uses of API keys, written after the fact in a short unit of work of their own.

    Recording a use inside the request made every read with a key a write: on SQLite a read-only unit of
    work that then writes must upgrade its snapshot to the write lock, which fails at once ("database is
    busy", a 503) whenever another transaction wrote meanwhile. Here a read stays a read: the use is noted
    in memory and written by a task of its own (one statement per key, batched), at most once a
    :data:`LAST_USED_RESOLUTION` per key and process. Best effort: a failed write is logged and dropped (the
    next use a minute later writes again), and a process that stops loses its last minute of uses."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.noted: dict[uuid.UUID, datetime] = {}
        """When each key's use was last noted for writing (bounded: old entries are pruned)."""
        self.pending: dict[uuid.UUID, datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def note(self, key_id: uuid.UUID, when: datetime) -> None:
        last = self.noted.get(key_id)
        if last is not None and when - last <= LAST_USED_RESOLUTION:
            return
        if len(self.noted) >= MAX_NOTED:
            self.noted = {k: t for k, t in self.noted.items() if when - t <= LAST_USED_RESOLUTION}
        self.noted[key_id] = when
        self.pending[key_id] = when
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        await asyncio.sleep(WRITE_DELAY_SECONDS)  # after the response, with the uses of other keys
        while self.pending:
            batch, self.pending = self.pending, {}
            try:
                async with self.db.unit_of_work() as session:
                    keys = ApiKeyRepository(session)
                    for key_id, when in batch.items():
                        await keys.record_use(key_id, when)
            except Exception:
                log.warning("could not record the last use of %d API key(s)", len(batch), exc_info=True)

    async def settled(self) -> None:
        """Wait until the uses noted so far are written (tests, shutdown)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)


MAX_NOTED = 10_000
WRITE_DELAY_SECONDS = 0.2
"""How long a noted use waits before it is written: the request that used the key has answered by then,
and the uses of other keys noted meanwhile go in the same short unit of work. The lifespan writes what is
left when the process stops."""
_uses: weakref.WeakKeyDictionary[Database, KeyUses] = weakref.WeakKeyDictionary()


def key_uses(db: Database) -> KeyUses:
    """The API key uses waiting to be written to ``db`` (one record per database, per process)."""
    uses = _uses.get(db)
    if uses is None:
        uses = _uses[db] = KeyUses(db)
    return uses


async def list_api_keys(session: AsyncSession, commune_id: uuid.UUID) -> list[ApiKey]:
    return await ApiKeyRepository(session).of_commune(commune_id)


async def revoke_api_key(session: AsyncSession, commune_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey:
    key = await ApiKeyRepository(session).in_commune(commune_id, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} not found")
    key.revoked_at = key.revoked_at or utcnow()
    await session.flush()
    return key
