"""SQL of one account's rows across communes and use cases, for the platform's personal-data hooks
(:mod:`civicapi.modules.budgets.handlers`): its register entries and their ballots, its vote reminders, its
idempotency records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.modules.budgets.models import (
    DRAFT,
    Ballot,
    BallotItem,
    Budget,
    IdempotencyRecord,
    Voter,
    VoteReminder,
)


class AccountRepository:
    """The rows of one account (``user_id``) in every commune."""

    def __init__(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        self.session = session
        self.user_id = user_id

    async def register_entries(self) -> list[Voter]:
        stmt = select(Voter).where(Voter.user_id == self.user_id).order_by(Voter.created_at)
        return list((await self.session.execute(stmt)).scalars())

    async def choices(self, ballot_id: uuid.UUID) -> list[tuple[uuid.UUID, Any]]:
        """(project, points) of a ballot's items."""
        stmt = select(BallotItem.project_id, BallotItem.points).where(BallotItem.ballot_id == ballot_id)
        return [(pid, points) for pid, points in (await self.session.execute(stmt)).all()]

    async def reminders(self) -> list[VoteReminder]:
        stmt = (
            select(VoteReminder)
            .where(VoteReminder.user_id == self.user_id)
            .order_by(VoteReminder.last_sent_at)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def delete_drafts(self) -> None:
        """Delete the register entries whose ballot is still being built, and those ballots."""
        drafts = select(Voter.ballot_id).where(Voter.user_id == self.user_id, Voter.status == DRAFT)
        draft_ids = [row[0] for row in (await self.session.execute(drafts)).all() if row[0] is not None]
        await self.session.execute(delete(Voter).where(Voter.user_id == self.user_id, Voter.status == DRAFT))
        if draft_ids:
            await self.session.execute(delete(Ballot).where(Ballot.id.in_(draft_ids)))

    async def entries_with_closing(self) -> list[tuple[uuid.UUID, uuid.UUID, str, datetime | None]]:
        """(register entry, commune, voter key, when its budget's vote closed) of the account's entries."""
        stmt = (
            select(Voter.id, Voter.commune_id, Voter.voter_key, Budget.closed_at)
            .join(Budget, Budget.id == Voter.budget_id)
            .where(Voter.user_id == self.user_id)
        )
        return [tuple(row) for row in (await self.session.execute(stmt)).all()]  # type: ignore[misc]

    async def forget(self) -> None:
        """Unlink the account from the register (as voter and as desk agent), delete its idempotency
        records and its vote reminders."""
        user_id = self.user_id
        await self.session.execute(update(Voter).where(Voter.user_id == user_id).values(user_id=None))
        await self.session.execute(
            update(Voter).where(Voter.entered_by_user_id == user_id).values(entered_by_user_id=None)
        )
        await self.session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.owner == f"user:{user_id}")
        )
        await self.session.execute(delete(VoteReminder).where(VoteReminder.user_id == user_id))
