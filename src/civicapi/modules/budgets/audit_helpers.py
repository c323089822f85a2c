"""Audit entries of the budgets module: ``budgets.<kind>.<verb>`` about ``budgets/<kind>/<id>``.

Public entries (budgets and projects of a published component, vote closure with its digest, published
results) give those resources a public history. Votes are recorded about the register entry
(``budgets/voter/<id>``), never about a ballot, and never with the choices made: the audit trail knows
who voted (and which staff member entered a paper ballot), not what they chose.
"""

from __future__ import annotations

from civicapi.core import audit

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


_TRAIL = audit.ModuleTrail(MODULE)
ref = _TRAIL.ref
record = _TRAIL.record
record_now = _TRAIL.record_now
entry_row = _TRAIL.entry_row
created = audit.created
deleted = audit.deleted
