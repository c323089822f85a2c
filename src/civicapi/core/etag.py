"""ETags for admin-edited resources and the ``If-Match`` check (stale → 412)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.errors import PreconditionFailed


class Versioned(Protocol):
    id: UUID
    updated_at: datetime


def etag_for(id: UUID, updated_at: datetime) -> str:
    digest = hashlib.sha256(f"{id}:{updated_at.isoformat()}".encode()).hexdigest()[:20]
    return f'"{digest}"'


def _matches(if_match: str, current: str) -> bool:
    candidates = {part.strip().removeprefix("W/") for part in if_match.split(",")}
    return "*" in candidates or current in candidates


async def check_if_match(session: AsyncSession, obj: Versioned, if_match: str | None) -> None:
    """``If-Match`` is optional; when sent it must name the current ETag (or ``*``).

    The row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite writers are serialised anyway) and
    its version re-read before comparing, so of two concurrent edits carrying the same ETag exactly one
    wins and the other gets 412, instead of silently overwriting it."""
    if if_match is None:
        return
    await session.refresh(obj, attribute_names=["updated_at"], with_for_update=True)
    current = etag_for(obj.id, obj.updated_at)
    if not _matches(if_match, current):
        raise PreconditionFailed(
            "the resource changed since you read it; fetch it again", current_etag=current
        )
