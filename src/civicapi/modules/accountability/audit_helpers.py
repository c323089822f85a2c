"""Audit entries of the accountability module: ``accountability.<kind>.<verb>`` about
``accountability/<kind>/<id>``.

Changes to a published component's results, statuses and milestones are public: they form each result's
public history (``GET .../results/{result_id}/history``, or the platform's
``/v1/communes/{commune}/history/accountability/result/{id}``), so residents see when and how a promise
moved. Statuses appear in the changes by key, never by id. Changes made while the component is unpublished
are for the commune's admins only.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import audit
from civicapi.core.audit import Visibility
from civicapi.core.links import ResourceRef

MODULE = "accountability"
RESULT_FIELDS = (
    "parent_id",
    "reference",
    "title",
    "description",
    "start_date",
    "end_date",
    "status",
    "progress",
    "weight",
    "external_id",
    "planned_amount",
    "spent_amount",
    "address",
    "latitude",
    "longitude",
    "category",
    "district",
    "position",
)
STATUS_FIELDS = ("key", "name", "description", "progress", "position")
MILESTONE_FIELDS = ("result_id", "entry_date", "title", "description")


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


def created(values: Mapping[str, Any]) -> dict[str, list[Any]]:
    return audit.diff({}, values)


def deleted(values: Mapping[str, Any]) -> dict[str, list[Any]]:
    return audit.diff(values, dict.fromkeys(values))
