"""SQL of the closing: the proposals the agenda knows of (from the proposals module's events) and the core
resource links from a meeting to the proposals it discussed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete

from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.core.links import ResourceLink
from civicapi.modules.agenda.closing.contract import DISCUSSED
from civicapi.modules.agenda.models import KnownProposal

MEETING_REF = ("agenda", "meeting")
PROPOSAL_REF = ("proposals", "proposal")


class KnownProposalRepository(CommuneScopedRepository[KnownProposal]):
    model = KnownProposal
    resource_name = "proposal"

    async def by_proposal(self, proposal_id: uuid.UUID) -> KnownProposal | None:
        return await self.first(self.base_statement().where(KnownProposal.proposal_id == proposal_id))

    async def among(self, proposal_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, KnownProposal]:
        """Those of these proposals the agenda knows of in the commune, by id (one statement)."""
        if not proposal_ids:
            return {}
        rows = await self.all(self.base_statement().where(KnownProposal.proposal_id.in_(list(proposal_ids))))
        return {row.proposal_id: row for row in rows}

    async def latest(self, limit: int) -> list[KnownProposal]:
        """The commune's proposals not withdrawn, the most recently described first (the demo)."""
        stmt = self.base_statement().where(KnownProposal.withdrawn.is_(False))
        return await self.all(stmt.order_by(KnownProposal.updated_at.desc(), KnownProposal.id).limit(limit))


class DiscussedRepository(CommuneScopedRepository[ResourceLink]):
    """The links ``agenda/meeting --discussed--> proposals/proposal`` of the commune."""

    model = ResourceLink
    resource_name = "link"

    def _of(self, meeting_id: uuid.UUID) -> tuple[ColumnElement[bool], ...]:
        return (
            ResourceLink.from_module == MEETING_REF[0],
            ResourceLink.from_type == MEETING_REF[1],
            ResourceLink.from_id == meeting_id,
            ResourceLink.name == DISCUSSED,
            ResourceLink.to_module == PROPOSAL_REF[0],
            ResourceLink.to_type == PROPOSAL_REF[1],
        )

    async def proposal_ids(self, meeting_id: uuid.UUID) -> list[uuid.UUID]:
        """The proposals the meeting discussed, in the order they were linked."""
        stmt = self.base_statement().where(*self._of(meeting_id))
        rows = await self.all(stmt.order_by(ResourceLink.created_at, ResourceLink.id))
        return [row.to_id for row in rows]

    async def unlink(self, meeting_id: uuid.UUID, proposal_ids: Sequence[uuid.UUID]) -> None:
        if not proposal_ids:
            return
        await self.session.execute(
            delete(ResourceLink).where(
                ResourceLink.commune_id == self.commune_id,
                *self._of(meeting_id),
                ResourceLink.to_id.in_(list(proposal_ids)),
            )
        )
