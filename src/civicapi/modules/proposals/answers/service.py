"""Answers and states: the component's custom states, answering a proposal (state, text, costs), and
publishing answers, immediately or in bulk. A published answer records ``proposals.answered``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.audit import diff, snapshot
from civicapi.core.db.base import utcnow
from civicapi.core.errors import InvalidInput, NotFound
from civicapi.core.i18n import check_locales
from civicapi.modules.proposals.common import events, places, trail
from civicapi.modules.proposals.exceptions import ProposalActionForbidden, ProposalConflict
from civicapi.modules.proposals.models import PUBLISHED, WITHDRAWN, CustomState, Proposal
from civicapi.modules.proposals.repository import ProposalRepository
from civicapi.modules.proposals.repository_review import StateRepository
from civicapi.modules.proposals.schemas import AnswerCreate, StateCreate, StateRead, StateUpdate
from civicapi.modules.proposals.settings import ComponentContext
from civicapi.modules.proposals.states import BUILTIN_TOKENS, FIRST_CUSTOM_POSITION, StateInfo, catalogue

ANSWER_FIELDS = ("answer_state", "answer_text", "cost", "cost_explanation", "execution_period")
STATE_FIELDS = ("token", "name", "allows_supports", "accepted", "position")


def state_read(state: StateInfo) -> StateRead:
    return StateRead(
        token=state.token,
        name=state.name,
        allows_supports=state.allows_supports,
        accepted=state.accepted,
        builtin=state.builtin,
        position=state.position,
    )


# --- states ----------------------------------------------------------------------------------------------


async def list_states(session: AsyncSession, ctx: ComponentContext) -> list[StateRead]:
    return [state_read(s) for s in (await catalogue(session, ctx.commune_id, ctx.component_id)).values()]


async def _custom_state(session: AsyncSession, ctx: ComponentContext, token: str) -> CustomState:
    if token in BUILTIN_TOKENS:
        raise ProposalConflict(f"the built-in state {token!r} cannot be changed", reason="builtin_state")
    state = await StateRepository(session, ctx.commune_id).by_token(ctx.component_id, token)
    if state is None:
        raise NotFound(f"no state {token!r} in this component")
    return state


async def create_state(session: AsyncSession, ctx: ComponentContext, data: StateCreate) -> StateRead:
    check_locales(data.name, ctx.commune.locales, field="name")
    states = await catalogue(session, ctx.commune_id, ctx.component_id)
    if data.token in states:
        raise ProposalConflict(f"the state {data.token!r} exists in this component", reason="token_taken")
    position = data.position
    if position is None:
        position = max((s.position for s in states.values()), default=FIRST_CUSTOM_POSITION - 1) + 1
    state = StateRepository(session, ctx.commune_id).add(
        CustomState(
            component_id=ctx.component_id,
            token=data.token,
            name=data.name,
            allows_supports=data.allows_supports,
            accepted=data.accepted,
            position=position,
        )
    )
    await session.flush()
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="state",
        id=state.id,
        verb="create",
        changes=trail.created(state, STATE_FIELDS),
    )
    return state_read(StateInfo.of(state))


async def update_state(
    session: AsyncSession, ctx: ComponentContext, token: str, data: StateUpdate
) -> StateRead:
    state = await _custom_state(session, ctx, token)
    changes = data.model_dump(exclude_unset=True)
    nulls = sorted(k for k, v in changes.items() if v is None)
    if nulls:
        raise InvalidInput(
            f"{', '.join(nulls)} cannot be null",
            errors=[{"location": ["body", k], "message": "cannot be null", "code": "null"} for k in nulls],
        )
    check_locales(changes.get("name"), ctx.commune.locales, field="name")
    before = snapshot(state, list(changes))
    for key, value in changes.items():
        setattr(state, key, value)
    state.updated_at = utcnow()
    await session.flush()
    changed = diff(before, snapshot(state, list(changes)))
    if changed:
        trail.record(
            session, commune_id=ctx.commune_id, kind="state", id=state.id, verb="update", changes=changed
        )
    return state_read(StateInfo.of(state))


async def delete_state(session: AsyncSession, ctx: ComponentContext, token: str) -> None:
    state = await _custom_state(session, ctx, token)
    if await ProposalRepository(session, ctx.commune_id).has_state(ctx.component_id, token):
        raise ProposalConflict(
            f"proposals are in state {token!r}; answer them otherwise first", reason="state_in_use"
        )
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="state",
        id=state.id,
        verb="delete",
        changes={"token": [token, None], "name": [state.name, None]},
    )
    await session.delete(state)
    await session.flush()


# --- answers ---------------------------------------------------------------------------------------------


def _error(field: str, message: str, code: str) -> dict[str, Any]:
    return {"location": ["body", field], "message": message, "code": code}


def _check_answer(ctx: ComponentContext, data: AnswerCreate, state: StateInfo | None) -> None:
    for field in ("answer", "cost_explanation", "execution_period"):
        check_locales(getattr(data, field), ctx.commune.locales, field=field)
    errors: list[dict[str, Any]] = []
    if state is None:
        errors.append(_error("state", "not a state of this component", "unknown_state"))
    elif state.accepted and ctx.step.answers_with_costs:
        if data.cost is None:
            errors.append(_error("cost", "required to accept a proposal in this phase", "missing"))
        if data.cost_explanation is None:
            errors.append(
                _error("cost_explanation", "required to accept a proposal in this phase", "missing")
            )
    elif not state.accepted:
        for field in ("cost", "cost_explanation", "execution_period"):
            if getattr(data, field) is not None:
                errors.append(
                    _error(field, "only an accepted proposal has costs", "costs_only_when_accepted")
                )
    if errors:
        raise InvalidInput(f"{len(errors)} field(s) of the answer are invalid", errors=errors)


def _publish_answer(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, state: StateInfo
) -> None:
    now = utcnow()
    before = proposal.state
    proposal.state = proposal.answer_state
    proposal.answer_published_at = proposal.updated_at = now
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="publish_answer",
        changes={"state": [before, proposal.state], "cost": [None, proposal.cost]},
        public=True,
    )
    events.answered(session, ctx, proposal, state)


async def answer_proposal(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, data: AnswerCreate
) -> Proposal:
    """Give (or replace) the answer. Published at once when the phase says so; otherwise held, and the
    proposal shows no state until an administrator publishes the answers."""
    if not ctx.step.answering_enabled:
        raise ProposalActionForbidden(
            "answering is disabled in the current phase", reason="answering_disabled"
        )
    if proposal.status != PUBLISHED:
        reason = "withdrawn" if proposal.status == WITHDRAWN else "not_published"
        raise ProposalConflict("only a published proposal can be answered", reason=reason)
    state = (await catalogue(session, ctx.commune_id, ctx.component_id)).get(data.state)
    _check_answer(ctx, data, state)
    assert state is not None
    before = snapshot(proposal, ANSWER_FIELDS)
    proposal.answer_state = state.token
    proposal.answer_text = data.answer
    proposal.cost = data.cost
    proposal.cost_explanation = data.cost_explanation
    proposal.execution_period = data.execution_period
    proposal.answered_at = proposal.updated_at = utcnow()
    proposal.answer_published_at = None
    proposal.state = None
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="answer",
        changes=diff(before, snapshot(proposal, ANSWER_FIELDS)),
    )
    if ctx.step.publish_answers_immediately:
        _publish_answer(session, ctx, proposal, state)
    await session.flush()
    await places.sync(session, proposal)
    return proposal


async def publish_answers(
    session: AsyncSession, ctx: ComponentContext, proposal_ids: Sequence[uuid.UUID] | None
) -> list[uuid.UUID]:
    """Publish the held answers of the component (or of the proposals named); returns those published."""
    held = await ProposalRepository(session, ctx.commune_id).with_held_answers(ctx.component_id, proposal_ids)
    states = await catalogue(session, ctx.commune_id, ctx.component_id)
    published: list[uuid.UUID] = []
    for proposal in held:
        if proposal.status != PUBLISHED or proposal.answer_state not in states:
            continue
        _publish_answer(session, ctx, proposal, states[proposal.answer_state])
        published.append(proposal.id)
    await session.flush()
    for proposal in held:
        if proposal.id in published:
            await places.sync(session, proposal)
    return published
