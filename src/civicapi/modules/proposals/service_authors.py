"""Co-authors of a proposal: authors add co-authors while the proposal is editable; anyone may leave,
but a proposal keeps at least one author."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.errors import InvalidInput, NotFound
from civicapi.identity.models import User
from civicapi.identity.repository import UserRepository
from civicapi.modules.proposals import audit_helpers as trail
from civicapi.modules.proposals.exceptions import ProposalConflict
from civicapi.modules.proposals.models import PUBLISHED, Authorship, Proposal
from civicapi.modules.proposals.schemas import CoauthorCreate
from civicapi.modules.proposals.service import (
    edit_refusal,
    field_error,
    is_author,
    require_author,
    require_user,
)
from civicapi.modules.proposals.settings import ComponentContext


async def add_coauthor(
    session: AsyncSession,
    ctx: ComponentContext,
    proposal: Proposal,
    data: CoauthorCreate,
    *,
    user: User | None,
) -> Authorship:
    require_author(proposal, user, False)
    refusal = edit_refusal(ctx, proposal, now=utcnow())
    if refusal is not None:
        raise refusal
    if is_author(proposal, data.user_id):
        raise ProposalConflict("this person is already an author", reason="already_author")
    if len(proposal.authorships) >= ctx.settings.max_authors:
        raise ProposalConflict(
            f"a proposal has at most {ctx.settings.max_authors} authors",
            reason="too_many_authors",
            limit=ctx.settings.max_authors,
        )
    coauthor = await UserRepository(session).get(data.user_id)
    if coauthor is None or not coauthor.is_active:
        raise InvalidInput(
            "no such person",
            errors=[field_error(["body", "user_id"], "unknown or inactive account", "unknown_user")],
        )
    position = max((a.position for a in proposal.authorships), default=-1) + 1
    authorship = Authorship(
        commune_id=ctx.commune_id,
        proposal_id=proposal.id,
        user_id=coauthor.id,
        display_name=coauthor.display_name,
        position=position,
    )
    proposal.authorships.append(authorship)
    proposal.updated_at = utcnow()
    await session.flush()
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="add_coauthor",
        changes={"authors": [None, str(coauthor.id)]},
        public=proposal.status == PUBLISHED,
    )
    return authorship


async def remove_author(
    session: AsyncSession,
    ctx: ComponentContext,
    proposal: Proposal,
    author_id: uuid.UUID,
    *,
    user: User | None,
) -> None:
    """An author removes a co-author while the proposal is editable; anyone may leave at any time, but a
    proposal keeps at least one author."""
    user = require_user(user)
    leaving = user.id == author_id
    require_author(proposal, user, False)
    if not leaving:
        refusal = edit_refusal(ctx, proposal, now=utcnow())
        if refusal is not None:
            raise refusal
    authorship = next((a for a in proposal.authorships if a.user_id == author_id), None)
    if authorship is None:
        raise NotFound(f"{author_id} is not an author of this proposal")
    if len(proposal.authorships) == 1:
        raise ProposalConflict("a proposal keeps at least one author", reason="last_author")
    proposal.authorships.remove(authorship)  # delete-orphan: deleted at flush
    proposal.updated_at = utcnow()
    await session.flush()
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="remove_author",
        changes={"authors": [str(author_id), None]},
        public=proposal.status == PUBLISHED,
    )
