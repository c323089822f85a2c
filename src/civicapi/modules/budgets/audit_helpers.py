"""Audit entries of the budgets module: ``budgets.<kind>.<verb>`` about ``budgets/<kind>/<id>``.

Public entries (budgets and projects of a published component, vote closure with its digest, published
results) give those resources a public history. Votes are recorded about the register entry
(``budgets/voter/<id>``), never about a ballot, and never with the choices made: the audit trail knows
who voted (and which staff member entered a paper ballot), not what they chose.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import audit
from civicapi.core.audit import Visibility
from civicapi.core.links import ResourceRef

MODULE = "budgets"
BUDGET_FIELDS = ("component_id", "title", "description", "total_amount", "currency", "district", "position")
PROJECT_FIELDS = (
    "budget_id",
    "title",
    "description",
    "cost",
    "address",
    "latitude",
    "longitude",
    "category",
    "position",
)


def ref(kind: str, id: uuid.UUID) -> ResourceRef:
    return ResourceRef(MODULE, kind, id)


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
        resource=ref(kind, id),
        changes=changes,
        visibility=Visibility.public if public else Visibility.admin,
    )


def created(obj: object, fields: tuple[str, ...]) -> dict[str, list[Any]]:
    return audit.diff({}, audit.snapshot(obj, fields))


def deleted(obj: object, fields: tuple[str, ...]) -> dict[str, list[Any]]:
    before = audit.snapshot(obj, fields)
    return audit.diff(before, dict.fromkeys(before))
