"""Audit entries of the proposals module: ``proposals.<kind>.<verb>`` about ``proposals/<kind>/<id>``.

Public entries (a published proposal's publication, edits, withdrawal and answers) give it a public
history; everything else (drafts, supports, reviews, configuration) is for the commune's admins only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import audit
from civicapi.core.audit import Visibility
from civicapi.core.links import ResourceRef

MODULE = "proposals"


def record(
    session: AsyncSession,
    *,
    commune_id: uuid.UUID,
    kind: str,
    id: uuid.UUID,
    verb: str,
    changes: Mapping[str, Any] | None = None,
    public: bool = False,
) -> None:
    audit.record(
        session,
        commune_id=commune_id,
        action=f"{MODULE}.{kind}.{verb}",
        resource=ResourceRef(MODULE, kind, id),
        changes=changes,
        visibility=Visibility.public if public else Visibility.admin,
    )


def created(obj: object, fields: tuple[str, ...]) -> dict[str, list[Any]]:
    """``{field: [None, value]}`` for the set fields of a new object."""
    return audit.diff({}, audit.snapshot(obj, fields))
