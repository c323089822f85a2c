"""Proposal lifecycle: create (a draft), edit, publish, withdraw, delete a draft, co-authors.

Services flush and never commit; each command records its audit entry in the same unit of work, and
publishing records the ``proposals.published`` event (delivered after the commit). Who may do what:

* authors edit their draft at any time, and a published proposal during the component's edit window
  while no answer is published; they publish and withdraw it;
* an author adds co-authors while the proposal is editable, up to ``max_authors``; anyone may leave, but a
  proposal keeps at least one author;
* holders of ``proposals.official`` create and edit official proposals (authored by the commune), as long
  as those have no support.
"""

from __future__ import annotations

import random
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.audit import diff, snapshot
from civicapi.core.db.base import utcnow
from civicapi.core.errors import Forbidden, InvalidInput, NotFound
from civicapi.identity.models import User
from civicapi.identity.repository import UserRepository
from civicapi.modules.proposals.common import events, places, trail
from civicapi.modules.proposals.common.rules import (
    AUDIT_FIELDS,
    RANDOM_KEY_MODULUS,
    assign_references,
    check_action_requirements,
    check_content,
    edit_refusal,
    field_error,
    is_author,
    require_author,
    require_user,
    search_text,
)
from civicapi.modules.proposals.exceptions import ProposalActionForbidden, ProposalConflict
from civicapi.modules.proposals.models import DRAFT, PUBLISHED, WITHDRAWN, Authorship, Proposal
from civicapi.modules.proposals.permissions import OFFICIAL
from civicapi.modules.proposals.repository import (
    ParticipationRepository,
    ProposalRepository,
)
from civicapi.modules.proposals.schemas import CoauthorCreate, ProposalCreate, ProposalUpdate
from civicapi.modules.proposals.settings import ComponentContext


def _require_creation_open(ctx: ComponentContext) -> None:
    if not ctx.step.creation_enabled:
        raise ProposalActionForbidden(
            "the current phase does not accept proposals", reason="creation_disabled"
        )


def _require_official_allowed(ctx: ComponentContext, may_official: bool) -> None:
    if not ctx.settings.official_proposals_enabled:
        raise ProposalActionForbidden(
            "official proposals are disabled in this component", reason="official_proposals_disabled"
        )
    if not may_official:
        raise Forbidden(f"missing permission {OFFICIAL!r} in this commune", permission=OFFICIAL)


# --- commands --------------------------------------------------------------------------------------------


async def create_proposal(
    session: AsyncSession,
    ctx: ComponentContext,
    data: ProposalCreate,
    *,
    user: User | None,
    may_official: bool,
) -> Proposal:
    """A new draft, authored by ``user`` (or by the commune when ``data.official``)."""
    _require_creation_open(ctx)
    if data.official:
        _require_official_allowed(ctx, may_official)
    else:
        user = require_user(user)
        await check_action_requirements(session, ctx, user.id, ctx.settings.create_requirements)
    check_content(ctx, data.model_dump())
    if not data.official:
        assert user is not None
        participation = ParticipationRepository(session, ctx.commune_id)
        await participation.ensure(ctx.component_id, user.id)
        limit = ctx.settings.proposal_limit or None
        count = await participation.change(
            ctx.component_id, user.id, field="proposals_count", by=1, limit=limit
        )
        if count is None:
            raise ProposalConflict(
                f"you reached this component's limit of {limit} proposal(s)",
                reason="proposal_limit_reached",
                limit=limit,
            )
    proposal = Proposal(
        component_id=ctx.component_id,
        status=DRAFT,
        title=data.title,
        body=data.body,
        address=data.address,
        latitude=data.latitude,
        longitude=data.longitude,
        category=data.category,
        district=data.district,
        official=data.official,
        created_by_id=None if data.official or user is None else user.id,
        random_key=random.randrange(RANDOM_KEY_MODULUS),
        authorships=[]
        if data.official or user is None
        else [Authorship(commune_id=ctx.commune_id, user_id=user.id, display_name=user.display_name)],
    )
    proposal.search_text = search_text(proposal)
    ProposalRepository(session, ctx.commune_id).add(proposal)
    await session.flush()
    await places.sync(session, proposal, adopt_district=data.district is None, allowed=ctx.settings.districts)
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="create",
        changes=trail.created(proposal, AUDIT_FIELDS),
    )
    return proposal


async def update_proposal(
    session: AsyncSession,
    ctx: ComponentContext,
    proposal: Proposal,
    data: ProposalUpdate,
    *,
    user: User | None,
    may_official: bool,
) -> Proposal:
    require_author(proposal, user, may_official)
    refusal = edit_refusal(ctx, proposal, now=utcnow())
    if refusal is not None:
        raise refusal
    changes = data.model_dump(exclude_unset=True)
    nulls = sorted(k for k in ("title", "body") if k in changes and changes[k] is None)
    if nulls:
        raise InvalidInput(
            f"{', '.join(nulls)} cannot be null",
            errors=[field_error(["body", k], "cannot be null", "null") for k in nulls],
        )
    latitude = changes.get("latitude", proposal.latitude)
    longitude = changes.get("longitude", proposal.longitude)
    if (latitude is None) != (longitude is None):
        raise InvalidInput(
            "give latitude and longitude together, or neither",
            errors=[field_error(["body", "latitude"], "latitude and longitude go together", "coordinates")],
        )
    check_content(ctx, changes)
    before = snapshot(proposal, list(changes))
    for key, value in changes.items():
        setattr(proposal, key, value)
    proposal.search_text = search_text(proposal)
    proposal.updated_at = utcnow()
    await session.flush()
    moved = "latitude" in changes or "longitude" in changes
    adopt = moved and "district" not in changes
    await places.sync(session, proposal, adopt_district=adopt, allowed=ctx.settings.districts)
    changed = diff(before, snapshot(proposal, list(changes)))
    if changed:
        trail.record(
            session,
            commune_id=ctx.commune_id,
            kind="proposal",
            id=proposal.id,
            verb="update",
            changes=changed,
            public=proposal.status == PUBLISHED,
        )
    return proposal


async def publish_proposal(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, *, user: User | None, may_official: bool
) -> Proposal:
    require_author(proposal, user, may_official)
    if proposal.status != DRAFT:
        raise ProposalConflict("only a draft can be published", reason="not_a_draft")
    _require_creation_open(ctx)
    now = utcnow()
    await assign_references(session, ctx, [proposal])
    proposal.status = PUBLISHED
    proposal.published_at = proposal.updated_at = now
    await session.flush()
    await places.sync(session, proposal)
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="publish",
        changes={"status": [DRAFT, PUBLISHED], "reference": [None, proposal.reference]},
        public=True,
    )
    events.published(session, ctx, proposal)
    return proposal


async def withdraw_proposal(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, *, user: User | None
) -> Proposal:
    if proposal.official:
        raise ProposalActionForbidden("official proposals are not withdrawn", reason="not_an_author")
    require_author(proposal, user, False)
    if proposal.status != PUBLISHED:
        raise ProposalConflict("only a published proposal can be withdrawn", reason="not_published")
    if proposal.answer_published_at is not None:
        raise ProposalConflict("the proposal has a published answer", reason="answer_published")
    now = utcnow()
    proposal.status = WITHDRAWN
    proposal.withdrawn_at = proposal.updated_at = now
    await _release_slot(session, ctx, proposal)
    await session.flush()
    await places.sync(session, proposal)
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="withdraw",
        changes={"status": [PUBLISHED, WITHDRAWN]},
        public=True,
    )
    events.withdrawn(session, ctx, proposal)
    return proposal


async def _release_slot(session: AsyncSession, ctx: ComponentContext, proposal: Proposal) -> None:
    """Give the creator back the proposal this one took from their limit (even if they left its authors)."""
    if proposal.created_by_id is not None:
        await ParticipationRepository(session, ctx.commune_id).change(
            ctx.component_id, proposal.created_by_id, field="proposals_count", by=-1
        )


async def delete_draft(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, *, user: User | None, may_official: bool
) -> None:
    require_author(proposal, user, may_official)
    if proposal.status != DRAFT:
        raise ProposalConflict("only a draft can be deleted; withdraw it instead", reason="not_a_draft")
    await _release_slot(session, ctx, proposal)
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="delete",
        changes={"title": [proposal.title, None]},
    )
    await places.remove(session, proposal)
    await session.delete(proposal)
    await session.flush()


# --- co-authors ------------------------------------------------------------------------------------------


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
