"""SQL of the ballot lane's one read before its write (PostgreSQL): the account's token checks, the person's
verifications and the budget's lid and costs. The write is the route's own statement
(:func:`civicapi.modules.budgets.voting.repository_cast.cast_at_once`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.dialects.postgresql import aggregate_order_by

from civicapi.core.db.base import id_param
from civicapi.identity.tokens import TOKEN_ACCOUNT
from civicapi.identity.verification.repository import ATTRIBUTES, OF_USER_ROWS
from civicapi.modules.budgets.models import Budget, Project

# The lane's one read: the account's token checks, the person's verifications and the budget's lid and
# costs (one row per verification, or one without any; none: no such account).
_ACCOUNT = TOKEN_ACCOUNT.subquery("account")
_VERIFICATIONS = OF_USER_ROWS.subquery("verification")
_OF_BUDGET = (Project.budget_id == id_param("budget_id"),)
LANE_READ = (
    select(
        *_ACCOUNT.c,
        select(Budget.closed_at.is_(None))
        .where(Budget.id == id_param("budget_id"), Budget.commune_id == id_param("commune_id"))
        .scalar_subquery(),
        select(func.array_agg(aggregate_order_by(Project.id, Project.id)))
        .where(*_OF_BUDGET)
        .scalar_subquery(),
        select(func.array_agg(aggregate_order_by(Project.cost, Project.id)))
        .where(*_OF_BUDGET)
        .scalar_subquery(),
        *_VERIFICATIONS.c,
    )
    .select_from(_ACCOUNT.outerjoin(_VERIFICATIONS, true()))
    .order_by(_VERIFICATIONS.c.granted_at.desc(), _VERIFICATIONS.c.id)
)
""":data:`TOKEN_ACCOUNT`, :data:`OF_USER_ROWS` and :data:`civicapi.modules.budgets.catalog.repository.HOLD_WITH_COSTS`
(without the lock: the lane's write takes it) in one round trip; :func:`lane_facts` reads its rows."""


@dataclass(frozen=True, slots=True)
class LaneFacts:
    active: bool
    sessions_revoked_at: Any
    token_listed: bool
    email_confirmed: bool
    is_open: bool
    costs: dict[uuid.UUID, int]
    verification_rows: list[tuple[Any, ...]]


def lane_facts(rows: Sequence[Sequence[Any]]) -> LaneFacts | None:
    """:data:`LANE_READ`'s rows; None: no such account."""
    if not rows:
        return None
    first = rows[0]
    width = len(_ACCOUNT.c)
    ids, costs = first[width + 1] or (), first[width + 2] or ()
    verification_id = width + 3 + ATTRIBUTES.index("id")
    return LaneFacts(
        active=bool(first[0]),
        sessions_revoked_at=first[1],
        token_listed=bool(first[2]),
        email_confirmed=bool(first[3]),
        is_open=bool(first[width]),
        costs={project: int(cost) for project, cost in zip(ids, costs, strict=True)},
        verification_rows=[tuple(row[width + 3 :]) for row in rows if row[verification_id] is not None],
    )
