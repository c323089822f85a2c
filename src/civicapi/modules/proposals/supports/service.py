"""Supports: one per person per proposal, within the person's limit, under the proposal's threshold, and
pending until the person gave the component's minimum — all race-free.

The order of operations is the same for every writer, so that concurrent requests queue instead of
deadlocking: (1) the person's support row (unique per proposal and person: a duplicate does nothing),
(2) the person's participation row (a conditional ``UPDATE`` that enforces the limit and serialises
that person's requests), (3) the proposals' counters, in ascending id order (conditional ``UPDATE``s that
enforce the threshold). Any refusal raises, which rolls the whole unit of work back.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.errors import NotFound
from civicapi.identity.models import User
from civicapi.modules.proposals.common import places, trail
from civicapi.modules.proposals.common.rules import check_action_requirements, require_user
from civicapi.modules.proposals.exceptions import ProposalActionForbidden, ProposalConflict
from civicapi.modules.proposals.models import PUBLISHED, WITHDRAWN, Proposal
from civicapi.modules.proposals.repository import (
    ParticipationRepository,
    ProposalRepository,
    SupportRepository,
)
from civicapi.modules.proposals.schemas import ParticipationRead, SupportRead, SupportStatus
from civicapi.modules.proposals.settings import ComponentContext
from civicapi.modules.proposals.states import catalogue

Deltas = dict[uuid.UUID, tuple[int, int]]
"""proposal id -> (change of counted supports, change of pending supports)."""


def participation_read(ctx: ComponentContext, supports: int, proposals: int) -> ParticipationRead:
    settings = ctx.settings
    limit = settings.support_limit or None
    return ParticipationRead(
        supports_given=supports,
        support_limit=limit,
        supports_left=None if limit is None else max(0, limit - supports),
        minimum_supports=settings.minimum_supports_per_person,
        remaining=max(0, settings.minimum_supports_per_person - supports),
        proposals_created=proposals,
        proposal_limit=settings.proposal_limit or None,
    )


async def my_participation(
    session: AsyncSession, ctx: ComponentContext, *, user: User | None
) -> ParticipationRead:
    user = require_user(user)
    row = await ParticipationRepository(session, ctx.commune_id).of_person(ctx.component_id, user.id)
    return participation_read(ctx, row.supports_count if row else 0, row.proposals_count if row else 0)


def _require_supports_open(ctx: ComponentContext) -> None:
    if not ctx.step.supports_enabled:
        raise ProposalActionForbidden("the current phase does not take supports", reason="supports_disabled")
    if ctx.step.supports_blocked:
        raise ProposalActionForbidden("supports are blocked in the current phase", reason="supports_blocked")


def _threshold(ctx: ComponentContext) -> int | None:
    settings = ctx.settings
    if settings.threshold_per_proposal and not settings.can_accumulate_supports_beyond_threshold:
        return settings.threshold_per_proposal
    return None


async def _apply(
    session: AsyncSession, ctx: ComponentContext, deltas: Deltas, *, capped: uuid.UUID | None = None
) -> dict[uuid.UUID, int]:
    """Change the proposals' counters in ascending id order; the proposal ``capped`` only while under the
    threshold (409 ``threshold_reached`` otherwise). The new counted supports of each proposal."""
    repo = ProposalRepository(session, ctx.commune_id)
    threshold = _threshold(ctx)
    out: dict[uuid.UUID, int] = {}
    for proposal_id in sorted(deltas):
        counted, pending = deltas[proposal_id]
        limit = threshold if proposal_id == capped else None
        count = await repo.change_supports(proposal_id, counted=counted, pending=pending, threshold=limit)
        if count is None:
            raise ProposalConflict(
                f"this proposal reached its threshold of {threshold} supports",
                reason="threshold_reached",
                threshold=threshold,
            )
        out[proposal_id] = count
    await places.supports_changed(session, ctx.commune_id, out)
    return out


def _support_read(
    proposal_id: uuid.UUID,
    *,
    counted: bool,
    created_at: datetime,
    supports_count: int,
    participation: ParticipationRead,
    hidden: bool,
) -> SupportRead:
    return SupportRead(
        proposal_id=proposal_id,
        status=SupportStatus.counted if counted else SupportStatus.pending,
        created_at=created_at,
        supports_count=None if hidden else supports_count,
        participation=participation,
    )


async def _existing_support(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, user: User, *, hidden: bool
) -> SupportRead:
    """The person's support as it stands (given earlier, maybe by a concurrent request just committed)."""
    support = await SupportRepository(session, ctx.commune_id).of_person(proposal.id, user.id)
    if support is None:  # pragma: no cover - the unique constraint said it exists; withdrawn meanwhile
        raise ProposalConflict("the support changed concurrently; retry", reason="concurrent_change")
    row = await ParticipationRepository(session, ctx.commune_id).of_person(ctx.component_id, user.id)
    return _support_read(
        proposal.id,
        counted=support.counted,
        created_at=support.created_at,
        supports_count=await ProposalRepository(session, ctx.commune_id).supports_count(proposal.id),
        participation=participation_read(
            ctx, row.supports_count if row else 0, row.proposals_count if row else 0
        ),
        hidden=hidden,
    )


async def support_proposal(
    session: AsyncSession,
    ctx: ComponentContext,
    proposal: Proposal,
    *,
    user: User | None,
    counts_hidden: bool,
) -> tuple[SupportRead, bool]:
    """Support ``proposal`` as ``user``. Returns the support and whether it is new: supporting again is not
    an error (a retried request gets the same answer) and writes nothing."""
    user = require_user(user)
    _require_supports_open(ctx)
    if proposal.status != PUBLISHED:
        reason = "withdrawn" if proposal.status == WITHDRAWN else "not_published"
        raise ProposalConflict("only a published proposal can be supported", reason=reason)
    if proposal.state is not None:
        state = (await catalogue(session, ctx.commune_id, ctx.component_id)).get(proposal.state)
        if state is not None and not state.allows_supports:
            raise ProposalConflict(
                f"a proposal in state {state.token!r} cannot be supported", reason="state_not_supportable"
            )
    await check_action_requirements(session, ctx, user.id, ctx.settings.support_requirements)
    supports = SupportRepository(session, ctx.commune_id)
    participation = ParticipationRepository(session, ctx.commune_id)
    minimum = ctx.settings.minimum_supports_per_person
    now = utcnow()
    if not await supports.insert(
        component_id=ctx.component_id,
        proposal_id=proposal.id,
        user_id=user.id,
        counted=minimum == 0,
        created_at=now,
    ):
        return await _existing_support(session, ctx, proposal, user, hidden=counts_hidden), False
    await participation.ensure(ctx.component_id, user.id)
    limit = ctx.settings.support_limit or None
    counts = await participation.change(ctx.component_id, user.id, field="supports_count", by=1, limit=limit)
    if counts is None:
        raise ProposalConflict(
            f"you gave the {limit} supports this component allows",
            reason="support_limit_reached",
            limit=limit,
        )
    given, created = counts
    deltas: Deltas = {}
    if given < minimum:
        deltas[proposal.id] = (0, 1)
    elif minimum and given == minimum:
        # The minimum is reached: every pending support of the person counts from now on.
        for pid in await supports.flip_all(ctx.component_id, user.id, to_counted=True):
            deltas[pid] = (1, -1)
        deltas[proposal.id] = (1, 0)
    else:
        if minimum:
            await supports.set_counted(proposal.id, user.id, True)
        deltas[proposal.id] = (1, 0)
    new_counts = await _apply(session, ctx, deltas, capped=proposal.id)
    counted = given >= minimum
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="support",
        changes={"support": [None, "counted" if counted else "pending"]},
    )
    read = _support_read(
        proposal.id,
        counted=counted,
        created_at=now,
        supports_count=new_counts[proposal.id],
        participation=participation_read(ctx, given, created),
        hidden=counts_hidden,
    )
    return read, True


async def withdraw_support(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, *, user: User | None
) -> ParticipationRead:
    """Take back the person's support. Falling below the minimum makes their other supports pending again."""
    user = require_user(user)
    _require_supports_open(ctx)
    supports = SupportRepository(session, ctx.commune_id)
    was_counted = await supports.remove(proposal.id, user.id)
    if was_counted is None:
        raise NotFound("you have not supported this proposal", reason="not_supported")
    counts = await ParticipationRepository(session, ctx.commune_id).change(
        ctx.component_id, user.id, field="supports_count", by=-1
    )
    given, created = counts if counts is not None else (0, 0)
    minimum = ctx.settings.minimum_supports_per_person
    deltas: Deltas = {proposal.id: (-1, 0) if was_counted else (0, -1)}
    if was_counted and minimum and given == minimum - 1:
        for pid in await supports.flip_all(ctx.component_id, user.id, to_counted=False):
            deltas[pid] = (-1, 1)
    await _apply(session, ctx, deltas)
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="withdraw_support",
        changes={"support": ["counted" if was_counted else "pending", None]},
    )
    return participation_read(ctx, given, created)
