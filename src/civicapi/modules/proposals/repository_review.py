"""SQL of states, eligibility criteria, valuator assignments and reviews, and the personal-data queries of
the GDPR hooks (which alone cross communes: a person's data is theirs wherever they participated)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.identity.models import User
from civicapi.modules.proposals.models import (
    Authorship,
    Criterion,
    CustomState,
    Participation,
    Proposal,
    Review,
    Support,
    ValuatorAssignment,
)


class StateRepository(CommuneScopedRepository[CustomState]):
    model = CustomState
    resource_name = "state"

    async def of_component(self, component_id: uuid.UUID) -> list[CustomState]:
        stmt = self.base_statement().where(CustomState.component_id == component_id)
        return await self.all(stmt.order_by(CustomState.position, CustomState.token))

    async def by_token(self, component_id: uuid.UUID, token: str) -> CustomState | None:
        stmt = self.base_statement().where(
            CustomState.component_id == component_id, CustomState.token == token
        )
        return await self.first(stmt)


class CriterionRepository(CommuneScopedRepository[Criterion]):
    model = Criterion
    resource_name = "criterion"

    async def of_component(self, component_id: uuid.UUID) -> list[Criterion]:
        stmt = self.base_statement().where(Criterion.component_id == component_id)
        return await self.all(stmt.order_by(Criterion.position, Criterion.created_at, Criterion.id))

    async def in_component(self, component_id: uuid.UUID, criterion_id: uuid.UUID) -> Criterion | None:
        stmt = self.base_statement().where(
            Criterion.component_id == component_id, Criterion.id == criterion_id
        )
        return await self.first(stmt)

    async def next_position(self, component_id: uuid.UUID) -> int:
        stmt = select(func.max(Criterion.position)).where(
            Criterion.commune_id == self.commune_id, Criterion.component_id == component_id
        )
        current = (await self.session.execute(stmt)).scalar_one_or_none()
        return 0 if current is None else int(current) + 1


class AssignmentRepository(CommuneScopedRepository[ValuatorAssignment]):
    model = ValuatorAssignment
    resource_name = "assignment"

    async def of_proposals(self, proposal_ids: Sequence[uuid.UUID]) -> list[tuple[ValuatorAssignment, str]]:
        """Assignments of these proposals with each valuator's public name (one query)."""
        if not proposal_ids:
            return []
        stmt = (
            select(ValuatorAssignment, User.display_name)
            .join(User, User.id == ValuatorAssignment.valuator_id)
            .where(
                ValuatorAssignment.commune_id == self.commune_id,
                ValuatorAssignment.proposal_id.in_(list(proposal_ids)),
            )
            .order_by(ValuatorAssignment.created_at, ValuatorAssignment.id)
        )
        return [(a, name) for a, name in (await self.session.execute(stmt)).all()]

    async def find(self, proposal_id: uuid.UUID, valuator_id: uuid.UUID) -> ValuatorAssignment | None:
        stmt = self.base_statement().where(
            ValuatorAssignment.proposal_id == proposal_id, ValuatorAssignment.valuator_id == valuator_id
        )
        return await self.first(stmt)

    def assigned_to(self, valuator_id: uuid.UUID) -> Select[Any]:
        """The ids of the proposals assigned to ``valuator_id`` (a sub-query)."""
        return select(ValuatorAssignment.proposal_id).where(
            ValuatorAssignment.commune_id == self.commune_id, ValuatorAssignment.valuator_id == valuator_id
        )


class ReviewRepository(CommuneScopedRepository[Review]):
    model = Review
    resource_name = "review"

    async def of_proposals(self, proposal_ids: Sequence[uuid.UUID]) -> list[tuple[Review, str | None]]:
        """Reviews of these proposals with each valuator's public name (one query)."""
        if not proposal_ids:
            return []
        stmt = (
            select(Review, User.display_name)
            .outerjoin(User, User.id == Review.valuator_id)
            .where(Review.commune_id == self.commune_id, Review.proposal_id.in_(list(proposal_ids)))
            .order_by(Review.created_at, Review.id)
        )
        return [(r, name) for r, name in (await self.session.execute(stmt)).all()]

    async def find(self, proposal_id: uuid.UUID, valuator_id: uuid.UUID) -> Review | None:
        stmt = self.base_statement().where(
            Review.proposal_id == proposal_id, Review.valuator_id == valuator_id
        )
        return await self.first(stmt)


class PersonalDataRepository:
    """A person's rows in every commune, for the GDPR export and erasure hooks (deliberately unscoped)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def authored(self, user_id: uuid.UUID) -> list[Proposal]:
        stmt = (
            select(Proposal)
            .join(Authorship, Authorship.proposal_id == Proposal.id)
            .where(Authorship.user_id == user_id)
            .order_by(Proposal.created_at, Proposal.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def supports(self, user_id: uuid.UUID) -> list[tuple[Support, str | None]]:
        stmt = (
            select(Support, Proposal.reference)
            .join(Proposal, Proposal.id == Support.proposal_id)
            .where(Support.user_id == user_id)
            .order_by(Support.created_at, Support.id)
        )
        return [(s, ref) for s, ref in (await self.session.execute(stmt)).all()]

    async def reviews(self, user_id: uuid.UUID) -> list[tuple[Review, str | None]]:
        stmt = (
            select(Review, Proposal.reference)
            .join(Proposal, Proposal.id == Review.proposal_id)
            .where(Review.valuator_id == user_id)
            .order_by(Review.created_at, Review.id)
        )
        return [(r, ref) for r, ref in (await self.session.execute(stmt)).all()]

    async def sole_drafts(self, user_id: uuid.UUID) -> list[uuid.UUID]:
        """Drafts whose only author is the person: nobody else ever saw them."""
        mine = select(Authorship.proposal_id).where(Authorship.user_id == user_id)
        others = select(Authorship.proposal_id).where(
            Authorship.user_id.is_distinct_from(user_id), Authorship.proposal_id.in_(mine)
        )
        stmt = select(Proposal.id).where(
            Proposal.status == "draft", Proposal.id.in_(mine), Proposal.id.not_in(others)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def erase(self, user_id: uuid.UUID) -> None:
        """Detach the person from what stays: authorships of published proposals keep their place with a
        blank name ("deleted participant"), supports stay counted without a person, reviews stay without
        their valuator. Drafts go: those the person alone authored, and their place among a draft's
        authors."""
        drafts = await self.sole_drafts(user_id)
        if drafts:
            await self.session.execute(delete(Proposal).where(Proposal.id.in_(drafts)))
        # Drafts shared with others stay theirs; the person simply leaves their authors.
        shared_drafts = select(Proposal.id).where(Proposal.status == "draft")
        await self.session.execute(
            delete(Authorship).where(Authorship.user_id == user_id, Authorship.proposal_id.in_(shared_drafts))
        )
        await self.session.execute(
            update(Authorship).where(Authorship.user_id == user_id).values(user_id=None, display_name="")
        )
        await self.session.execute(
            update(Proposal).where(Proposal.created_by_id == user_id).values(created_by_id=None)
        )
        await self.session.execute(update(Support).where(Support.user_id == user_id).values(user_id=None))
        await self.session.execute(
            update(Review).where(Review.valuator_id == user_id).values(valuator_id=None)
        )
        await self.session.execute(
            delete(ValuatorAssignment).where(ValuatorAssignment.valuator_id == user_id)
        )
        await self.session.execute(delete(Participation).where(Participation.user_id == user_id))
