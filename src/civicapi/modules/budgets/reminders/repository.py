"""SQL of the reminders to accounts whose ballot is not finished (:mod:`.reminders.service`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.repository import upsert_insert
from civicapi.identity.models import User
from civicapi.modules.budgets.models import DRAFT, Budget, Voter, VoteReminder

CHUNK = 500
"""Accounts claimed per statement (SQLite's bound on parameters)."""


@dataclass(frozen=True, slots=True)
class Unfinished:
    """An unfinished ballot of an account that can be mailed."""

    user_id: uuid.UUID
    email: str
    display_name: str
    locale: str
    started_at: datetime
    budget_title: dict[str, str]


@dataclass(frozen=True, slots=True)
class Sent:
    count: int
    last_at: datetime


_UNFINISHED = (Voter.status == DRAFT, Voter.user_id.is_not(None), Budget.closed_at.is_(None))
"""A ballot being built by an account (a ``draft`` register row) in a budget whose vote is not closed."""


async def components_with_unfinished(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(commune id, component id) of every component, in every commune, where an account has a ballot
    being built in a budget still open (for the automatic reminders: ``startup.py``)."""
    stmt = (
        select(Voter.commune_id, Voter.component_id)
        .join(Budget, Budget.id == Voter.budget_id)
        .where(*_UNFINISHED)
        .distinct()
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


class ReminderRepository:
    def __init__(self, session: AsyncSession, commune_id: uuid.UUID, component_id: uuid.UUID) -> None:
        self.session = session
        self.commune_id = commune_id
        self.component_id = component_id

    async def unfinished(self) -> list[Unfinished]:
        """Ballots being built (register rows ``draft``) in the component's budgets still open, of active
        accounts with a confirmed address; oldest first."""
        stmt = (
            select(
                Voter.user_id,
                User.email,
                User.display_name,
                User.locale,
                Voter.created_at,
                Budget.title,
            )
            .join(Budget, Budget.id == Voter.budget_id)
            .join(User, User.id == Voter.user_id)
            .where(
                Voter.commune_id == self.commune_id,
                Voter.component_id == self.component_id,
                *_UNFINISHED,
                User.is_active.is_(True),
                User.email_confirmed_at.is_not(None),
            )
            .order_by(Voter.created_at, Budget.position, Budget.id)
        )
        rows = (await self.session.execute(stmt)).all()
        return [
            Unfinished(user, email, name, locale, started, title)
            for user, email, name, locale, started, title in rows
            if user is not None
        ]

    async def sent(self) -> dict[uuid.UUID, Sent]:
        stmt = select(VoteReminder.user_id, VoteReminder.sent_count, VoteReminder.last_sent_at).where(
            VoteReminder.commune_id == self.commune_id, VoteReminder.component_id == self.component_id
        )
        return {user: Sent(count, at) for user, count, at in (await self.session.execute(stmt)).all()}

    async def claim(
        self, due: Sequence[tuple[uuid.UUID, int]], now: datetime, cutoff: datetime
    ) -> set[uuid.UUID]:
        """Record one more reminder for each ``(account, reminders it has had)`` and return the accounts
        whose record this transaction changed: one whose count moved meanwhile, or that was reminded
        after ``cutoff``, is left out (another request reminded it), so racing requests never remind an
        account twice. A unique constraint and a conditional upsert, not a check-then-insert."""
        insert = upsert_insert(self.session)
        table = VoteReminder.__table__
        claimed: set[uuid.UUID] = set()
        for start in range(0, len(due), CHUNK):
            stmt = insert(table).values(
                [
                    {
                        "id": uuid.uuid4(),
                        "commune_id": self.commune_id,
                        "component_id": self.component_id,
                        "user_id": user_id,
                        "sent_count": had + 1,
                        "last_sent_at": now,
                    }
                    for user_id, had in due[start : start + CHUNK]
                ]
            )
            stmt = stmt.on_conflict_do_update(
                index_elements=["component_id", "user_id"],
                set_={"sent_count": stmt.excluded.sent_count, "last_sent_at": stmt.excluded.last_sent_at},
                where=and_(
                    table.c.sent_count == stmt.excluded.sent_count - 1,
                    table.c.last_sent_at <= cutoff,
                ),
            ).returning(table.c.user_id)
            claimed.update((await self.session.execute(stmt)).scalars())
        return claimed
