"""ETags for admin-edited resources and the ``If-Match`` check (stale → 412)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

from civicapi.core.errors import PreconditionFailed


def etag_for(id: UUID, updated_at: datetime) -> str:
    digest = hashlib.sha256(f"{id}:{updated_at.isoformat()}".encode()).hexdigest()[:20]
    return f'"{digest}"'


def check_if_match(if_match: str | None, current: str) -> None:
    """``If-Match`` is optional; when sent it must name the current ETag (or ``*``)."""
    if if_match is None:
        return
    candidates = {part.strip().removeprefix("W/") for part in if_match.split(",")}
    if "*" in candidates or current in candidates:
        return
    raise PreconditionFailed("the resource changed since you read it; fetch it again", current_etag=current)
