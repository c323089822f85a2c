"""Closing a budget's vote: the vote stops at once, then the urn is sealed and every link between ballots
and people is destroyed, within the request for small votes, after the response for large ones (the
budget then reads ``closed_at`` set and ``ballots_sha256`` null until it is sealed). Sealing:

1. Ballots never cast (drafts) and their register rows are deleted.
2. Register rows lose their ``ballot_id``: the register now says only who voted (and how, and when).
   Rows of accounts erased while the vote was open get a random key instead of the identity's.
3. Every cast ballot is re-issued under a new random id, in a random order (``secrets``), and the old rows
   are deleted: ids a voter saw and the insertion order no longer lead to a ballot. The database copies
   the ballots and items, written in their new order (:mod:`.results.repository`).
4. ``Idempotency-Key`` records of the budget (a person's answers, with their choices) are deleted.
5. The anonymised ballots are written as a Pabulib file whose SHA-256 is published on the budget.
"""

from __future__ import annotations

import logging
import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from civicapi.core.events import Event, EventBus
from civicapi.modules.budgets import audit_helpers as audit
from civicapi.modules.budgets.catalog.repository import BudgetRepository
from civicapi.modules.budgets.catalog.service_pabulib import publish_export
from civicapi.modules.budgets.exceptions import BudgetConflict
from civicapi.modules.budgets.models import CHECKED_OUT, DRAFT, Budget
from civicapi.modules.budgets.results.repository import UrnRepository
from civicapi.modules.budgets.settings import ComponentContext
from civicapi.modules.budgets.voting.repository import (
    IdempotencyRepository,
    VoterRepository,
    scramble_voter_keys,
)

log = logging.getLogger(__name__)

BACKGROUND_THRESHOLD = 5000
"""Cast ballots above which the urn is sealed after the response (``bench/close.py``: ~20,000 a minute)."""
VOTE_CLOSED = "budgets.vote_closed"
"""Event: a budget's vote was closed; payload ``budget_id``, ``component_id``, ``ballots``, ``sha256``."""


async def close_vote(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, *, background: bool | None = None
) -> bool:
    """Close the vote now; seal the urn now, or after the response when ``background`` says so (by default:
    over :data:`BACKGROUND_THRESHOLD` cast ballots). True: the caller schedules :func:`seal_in_background`
    (if its process stops first, the next to start seals the vote: ``startup.py``).

    A vote closed but not sealed (its sealing failed or the process stopped) is sealed again; one whose
    sealing is under way is a conflict (``vote_sealing``)."""
    await session.refresh(budget)
    if budget.closed_at is None:
        # The lid (repository.BallotBox): wait for ballots being cast, keep new ones out until committed.
        await session.refresh(budget, with_for_update=True)
    if budget.ballots_sha256 is not None:
        raise BudgetConflict("the vote of this budget is already closed", reason="vote_closed")
    repo = BudgetRepository(session, ctx.commune_id)
    if budget.closed_at is not None and not await repo.lock_if_free(budget.id):
        raise BudgetConflict("the urn of this budget is being sealed", reason="vote_sealing")
    budget.closed_at = budget.closed_at or utcnow()
    cast = await repo.ballots_count(budget.id, [CHECKED_OUT])
    if background if background is not None else cast > BACKGROUND_THRESHOLD:
        await session.flush()
        return True
    await seal(session, ctx, budget)
    return False


async def seal_in_background(
    db: Database, ctx: ComponentContext, budget_id: uuid.UUID, *, wait: bool = True
) -> None:
    """Seal the urn of a closed vote in its own unit of work (called after the response was sent; or when a
    process starts, ``wait=False``: a budget another process is sealing is left to it). On failure nothing
    is sealed and the budget stays closed and unsealed: ``POST .../close``, or the next start, seals it."""
    try:
        async with db.unit_of_work() as session:
            repo = BudgetRepository(session, ctx.commune_id)
            budget = await repo.get_or_404(budget_id)
            if not wait and not await repo.lock_if_free(budget_id):
                return
            await session.refresh(budget, with_for_update=wait)  # (not waiting: the row is held already)
            if budget.closed_at is not None and budget.ballots_sha256 is None:
                await seal(session, ctx, budget)
    except Exception:
        log.exception("sealing the urn of budget %s failed; closing it again seals it", budget_id)


async def seal(session: AsyncSession, ctx: ComponentContext, budget: Budget) -> None:
    """Seal the urn of a closed vote (steps 1-5 above); the caller holds the budget's row."""
    urn = UrnRepository(session, ctx.commune_id)
    voters = VoterRepository(session, ctx.commune_id)
    await voters.unlink_budget(budget.id)
    await scramble_voter_keys(session, await voters.erased_online(budget.id))
    await urn.delete_of_budget(budget.id, [DRAFT])
    order = await urn.ids_of(budget.id, CHECKED_OUT)
    secrets.SystemRandom().shuffle(order)
    await urn.reissue_sealed(order)
    await urn.delete_of_budget(budget.id, [CHECKED_OUT])
    await IdempotencyRepository(session, ctx.commune_id).delete_of_budget(budget.id)

    export = await publish_export(session, ctx, budget)
    audit.record(
        session,
        commune_id=ctx.commune_id,
        kind="budget",
        id=budget.id,
        verb="close",
        changes={"ballots": len(order), "sha256": export.sha256},
        public=True,
    )
    EventBus.publish(
        session,
        Event(
            VOTE_CLOSED,
            ctx.commune_id,
            {
                "budget_id": str(budget.id),
                "component_id": str(budget.component_id),
                "ballots": len(order),
                "sha256": export.sha256,
            },
            source_module="budgets",
        ),
    )
