"""Who votes, and where: the person's verified identity (the key of one-person-one-vote), the
component's verification requirements, the district restriction and the workflow (``one``, ``all``,
``district``). The checks here give the usual case a precise answer; the register's unique constraints
decide races."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.identity.verification.hashing import IdentityHasher
from civicapi.identity.verification.models import Verification, VerificationStatus
from civicapi.identity.verification.repository import CensusRepository, VerificationRepository
from civicapi.identity.verification.requirements import (
    RequirementStatus,
    evaluate_conditions,
    evaluate_requirements,
)
from civicapi.modules.budgets.catalog.repository import BallotBox
from civicapi.modules.budgets.exceptions import BallotConflict, VoteForbidden
from civicapi.modules.budgets.models import ONLINE, PAPER, Budget, Voter
from civicapi.modules.budgets.settings import ComponentContext, VotesState, Workflow
from civicapi.modules.budgets.voting.repository import VoterRepository

CENSUS = "census"


@dataclass(frozen=True, slots=True)
class Identity:
    """A person about to vote: the register key and the facts eligibility reads."""

    voter_key: str
    metadata: dict[str, Any] = field(default_factory=dict)
    user_id: uuid.UUID | None = None
    channel: str = ONLINE
    entered_by: uuid.UUID | None = None

    @property
    def district(self) -> str | None:
        value = self.metadata.get("district")
        return str(value) if value else None


def account_key(commune_id: uuid.UUID, user_id: uuid.UUID) -> str:
    """The register key of an account with no verification (when the component requires none)."""
    return hashlib.sha256(f"account\x1f{commune_id}\x1f{user_id}".encode()).hexdigest()


def ensure_open(ctx: ComponentContext, budget: Budget) -> None:
    if budget.closed_at is not None:
        raise closed()
    if ctx.step.votes is VotesState.finished:
        raise VoteForbidden("voting is over in this phase", reason="voting_finished")
    if ctx.step.votes is not VotesState.enabled:
        raise VoteForbidden("voting is not open in this phase", reason="voting_disabled")


def closed() -> VoteForbidden:
    return VoteForbidden("the vote of this budget is closed", reason="vote_closed")


async def hold_open(session: AsyncSession, ctx: ComponentContext, budget: Budget) -> None:
    """Hold the budget's lid (:class:`BallotBox`) until the transaction ends: 403 ``vote_closed`` when a
    close committed since the budget was read."""
    if not await BallotBox(session, ctx.commune_id).hold(budget.id):
        raise closed()


def _usable(verification: Verification) -> bool:
    return verification.status == VerificationStatus.granted.value and not verification.is_expired(utcnow())


async def online_identity(session: AsyncSession, ctx: ComponentContext, user_id: uuid.UUID) -> Identity:
    """The caller's identity for voting (:func:`identity_of`), their verifications read here."""
    verifications = await VerificationRepository(session, ctx.commune_id).of_user(user_id)
    return identity_of(ctx, user_id, verifications)


def identity_of(ctx: ComponentContext, user_id: uuid.UUID, verifications: Sequence[Verification]) -> Identity:
    """The caller's identity for voting: 403 ``requirements_not_met`` unless they meet the component's
    verification requirements. The key is the identity key of the verification used (the keyed hash of
    the person's identifier: the same for all their accounts and for paper ballots); without any
    verification, the account itself. ``verifications``: all of the person's in the commune."""
    result = evaluate_requirements(
        ctx.settings.vote_requirements, verifications, today=ctx.today, now=utcnow()
    )
    if result.status is not RequirementStatus.ok:
        raise VoteForbidden(
            f"the vote requires a verification: {result.reason}",
            reason="requirements_not_met",
            requirement={
                "status": result.status.value,
                "handler": result.handler,
                "reason": result.reason,
                "failed_conditions": [c.model_dump() for c in result.failed_conditions],
            },
        )
    usable = {v.id: v for v in verifications if _usable(v)}
    used = [r.verification_id for r in result.results if r.verification_id in usable]
    chosen = usable[used[0]] if used else next(iter(usable.values()), None)
    if chosen is not None:
        metadata = {**chosen.meta, **result.metadata}
        return Identity(voter_key=chosen.identity_key, metadata=metadata, user_id=user_id)
    return Identity(voter_key=account_key(ctx.commune_id, user_id), user_id=user_id)


async def desk_identity(
    session: AsyncSession,
    ctx: ComponentContext,
    hasher: IdentityHasher,
    *,
    identifier: str,
    district: str | None,
    birth_year: int | None,
    staff_user_id: uuid.UUID | None,
) -> Identity:
    """A person whose document a staff member checked at the desk. The key is the same keyed hash as the
    census's and the desk verification's; the census's facts, when the person is in it, prevail over
    what the staff member typed."""
    voter_key = hasher.identity_key(ctx.commune_id, identifier)
    entry = await CensusRepository(session, ctx.commune_id).by_identity_key(voter_key)
    metadata: dict[str, Any] = {}
    if entry is not None:
        metadata = {
            "district": entry.district,
            "postal_code": entry.postal_code,
            "birth_year": entry.birth_year,
        }
    else:
        metadata = {"district": district, "birth_year": birth_year}
    metadata = {k: v for k, v in metadata.items() if v is not None}
    for requirement in ctx.settings.vote_requirements:
        if requirement.handler == CENSUS and entry is None:
            raise VoteForbidden(
                "the vote requires residents in the census; this identifier is not in it",
                reason="requirements_not_met",
                requirement={"status": "missing", "handler": CENSUS, "reason": "not in the census"},
            )
        failed = evaluate_conditions(requirement.conditions, metadata, today=ctx.today)
        if failed:
            raise VoteForbidden(
                "the person does not meet the vote's conditions",
                reason="requirements_not_met",
                requirement={
                    "status": "unauthorized",
                    "handler": requirement.handler,
                    "reason": "; ".join(f.reason for f in failed),
                    "failed_conditions": [f.model_dump() for f in failed],
                },
            )
    return Identity(voter_key=voter_key, metadata=metadata, channel=PAPER, entered_by=staff_user_id)


def _fold(value: str) -> str:
    return value.strip().casefold()


def check_district(ctx: ComponentContext, budget: Budget, identity: Identity) -> None:
    if budget.district is None:
        if ctx.settings.workflow is Workflow.district and ctx.settings.citywide_budgets == 0:
            raise VoteForbidden(
                "the district workflow allows no city-wide budget", reason="citywide_not_allowed"
            )
        return
    if identity.district is None or _fold(identity.district) != _fold(budget.district):
        raise VoteForbidden(
            f"this budget is for residents of {budget.district}",
            reason="district_not_allowed",
            district=budget.district,
        )


def first_slot(ctx: ComponentContext, budget: Budget, identity: Identity) -> str | None:
    """The slot the identity's register row takes if it has no row in the component yet (``choose_slot``
    without reading the register; the register's unique constraints refuse it when the identity holds
    it already). None: the component's workflow gives this budget no slot at all."""
    check_district(ctx, budget, identity)
    workflow = ctx.settings.workflow
    if workflow is Workflow.all or (workflow is Workflow.district and budget.district is not None):
        return f"budget:{budget.id}"
    if workflow is Workflow.one:
        return "component"
    return "citywide:1" if ctx.settings.citywide_budgets >= 1 else None


async def choose_slot(
    session: AsyncSession,
    ctx: ComponentContext,
    budget: Budget,
    identity: Identity,
    register: list[Voter] | None = None,
) -> str:
    """The workflow slot the identity's register row takes in the component. Slots are unique per
    identity and component, which makes ``one`` and the city-wide limit of ``district`` database rules.
    ``register``: the identity's rows in the component, when the caller has read them already."""
    own_slot = first_slot(ctx, budget, identity)
    if own_slot is not None and own_slot.startswith("budget:"):
        return own_slot
    if register is None:
        voters = VoterRepository(session, ctx.commune_id)
        register = await voters.register_of(ctx.component_id, budget.id, identity.voter_key, None)
    rows = [r for r in register if r.voter_key == identity.voter_key]
    mine = next((r for r in rows if r.budget_id == budget.id), None)
    if mine is not None:
        return mine.slot
    others = [r for r in rows if r.budget_id != budget.id]
    if ctx.settings.workflow is Workflow.one:
        if others:
            raise workflow_limit(others)
        return "component"
    used = {r.slot for r in others}
    for i in range(1, ctx.settings.citywide_budgets + 1):
        if f"citywide:{i}" not in used:
            return f"citywide:{i}"
    raise workflow_limit([r for r in others if r.slot.startswith("citywide:")])


def workflow_limit(rows: list[Voter]) -> BallotConflict:
    return BallotConflict(
        "the component's workflow allows no further budget for this person; withdraw a ballot first",
        reason="workflow_limit_reached",
        budget_ids=sorted(str(r.budget_id) for r in rows),
    )
