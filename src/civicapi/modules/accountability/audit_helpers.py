"""Audit entries of the accountability module: ``accountability.<kind>.<verb>`` about
``accountability/<kind>/<id>``.

Changes to a published component's results, statuses and milestones are public: they form each result's
public history (``GET .../results/{result_id}/history``, or the platform's
``/v1/communes/{commune}/history/accountability/result/{id}``), so residents see when and how a promise
moved. Statuses appear in the changes by key, never by id. Changes made while the component is unpublished
are for the commune's admins only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from civicapi.core import audit
from civicapi.modules.accountability.models import Milestone, Status
from civicapi.spaces import kit

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


_TRAIL = audit.ModuleTrail(MODULE)
STATUSES: kit.AuditedWrites[Status] = kit.AuditedWrites(_TRAIL, "status", STATUS_FIELDS)
MILESTONES: kit.AuditedWrites[Milestone] = kit.AuditedWrites(_TRAIL, "milestone", MILESTONE_FIELDS)
ref = _TRAIL.ref
record = _TRAIL.record


def created(values: Mapping[str, Any]) -> dict[str, list[Any]]:
    return audit.diff({}, values)


def deleted(values: Mapping[str, Any]) -> dict[str, list[Any]]:
    return audit.diff(values, dict.fromkeys(values))
