"""Closing a budget's vote: the urn is sealed and every link between ballots and people is destroyed.

1. Ballots never cast (drafts) and their register rows are deleted.
2. Register rows lose their ``ballot_id``: the register now says only who voted (and how, and when).
3. Every cast ballot is re-issued under a new random id, in a random order (``secrets``), and the old rows
   are deleted: ids a voter saw and the insertion order no longer lead to a ballot. The database copies
   the ballots and items, written in their new order (:mod:`.repository_urn`).
4. ``Idempotency-Key`` records of the budget (a person's answers, with their choices) are deleted.
5. The anonymised ballots are written as a Pabulib file whose SHA-256 is published on the budget.
"""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.events import Event, EventBus
from civicapi.modules.budgets import audit_helpers as audit
from civicapi.modules.budgets.exceptions import BudgetConflict
from civicapi.modules.budgets.models import CHECKED_OUT, DRAFT, Budget
from civicapi.modules.budgets.repository_ballots import IdempotencyRepository, VoterRepository
from civicapi.modules.budgets.repository_urn import UrnRepository
from civicapi.modules.budgets.service_pabulib import publish_export
from civicapi.modules.budgets.settings import ComponentContext

VOTE_CLOSED = "budgets.vote_closed"
"""Event: a budget's vote was closed; payload ``budget_id``, ``component_id``, ``ballots``, ``sha256``."""


async def close_vote(session: AsyncSession, ctx: ComponentContext, budget: Budget) -> Budget:
    # The lid (repository.BallotBox): wait for ballots being cast, keep new ones out until committed.
    await session.refresh(budget, with_for_update=True)
    if budget.closed_at is not None:
        raise BudgetConflict("the vote of this budget is already closed", reason="vote_closed")
    urn = UrnRepository(session, ctx.commune_id)
    await VoterRepository(session, ctx.commune_id).unlink_budget(budget.id)
    await urn.delete_of_budget(budget.id, [DRAFT])
    order = await urn.ids_of(budget.id, CHECKED_OUT)
    secrets.SystemRandom().shuffle(order)
    await urn.reissue_sealed(order)
    await urn.delete_of_budget(budget.id, [CHECKED_OUT])
    await IdempotencyRepository(session, ctx.commune_id).delete_of_budget(budget.id)

    budget.closed_at = utcnow()
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
    return budget
