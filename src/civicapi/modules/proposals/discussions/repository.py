"""SQL of the discussions: the meetings a proposal was discussed at, kept from the agenda's events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.modules.proposals.models import Discussion, Proposal


class DiscussionRepository(CommuneScopedRepository[Discussion]):
    model = Discussion
    resource_name = "discussion"

    async def of_meeting(self, meeting_id: uuid.UUID) -> dict[uuid.UUID, Discussion]:
        rows = await self.all(self.base_statement().where(Discussion.meeting_id == meeting_id))
        return {row.proposal_id: row for row in rows}

    async def public_of(self, proposal_id: uuid.UUID) -> list[Discussion]:
        stmt = self.base_statement().where(Discussion.proposal_id == proposal_id, Discussion.public.is_(True))
        return await self.all(stmt.order_by(Discussion.start_at.desc(), Discussion.meeting_id))

    async def proposals_among(self, proposal_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Those of these ids that are proposals of the commune (one statement)."""
        if not proposal_ids:
            return set()
        stmt = select(Proposal.id).where(
            Proposal.commune_id == self.commune_id, Proposal.id.in_(list(proposal_ids))
        )
        return set((await self.session.execute(stmt)).scalars())
