"""Whole ballots in one request (mobile apps, paper ballots entered by staff), replacing and withdrawing
a ballot. Every rule is checked before anything is written; the register's unique constraints decide
races, and an ``Idempotency-Key`` turns a retry into the first answer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.audit import Actor
from civicapi.core.db.base import utcnow
from civicapi.modules.budgets import audit_helpers as audit
from civicapi.modules.budgets.catalog.repository import BallotBox
from civicapi.modules.budgets.exceptions import BallotConflict
from civicapi.modules.budgets.models import (
    CHECKED_OUT,
    DRAFT,
    VOTED,
    Ballot,
    Budget,
    IdempotencyRecord,
    Voter,
)
from civicapi.modules.budgets.settings import ComponentContext
from civicapi.modules.budgets.voting import rules
from civicapi.modules.budgets.voting.idempotency import Answer, IdempotentRequest
from civicapi.modules.budgets.voting.repository import BallotRepository, VoterRepository
from civicapi.modules.budgets.voting.schemas import BallotSubmit, PaperBallotRead
from civicapi.modules.budgets.voting.service import (
    already_voted,
    ballot_read,
    build_new,
    conflict_for,
    invalid,
    load_ballot,
    new_voter,
    own_voter,
)
from civicapi.modules.budgets.voting.service_voters import (
    Identity,
    check_district,
    closed,
    ensure_open,
    first_slot,
)


async def valid_lines(
    session: AsyncSession,
    ctx: ComponentContext,
    budget: Budget,
    projects: Sequence[uuid.UUID],
    points: Mapping[uuid.UUID, int],
) -> list[rules.Line]:
    """The submitted ballot as lines, or 422 listing every rule it breaks (nothing is written). Holds the
    budget's lid from here to the end of the transaction (403 ``vote_closed`` if it was closed meanwhile)."""
    is_open, known = await BallotBox(session, ctx.commune_id).hold_with_costs(budget.id)
    return checked_lines(ctx, budget, projects, points, is_open, known)


def submission(
    key: str | None, ctx: ComponentContext, budget: Budget, user_id: uuid.UUID, body: BallotSubmit
) -> IdempotentRequest | None:
    """The idempotency request of a person's whole ballot (``POST .../ballot``), None without a key: the
    route and the ballot lane must build the same, or a retry through the other would not replay."""
    if key is None:
        return None
    return IdempotentRequest.of(
        key,
        commune_id=ctx.commune_id,
        budget_id=budget.id,
        owner=f"user:{user_id}",
        operation="submit",
        payload=body.model_dump(mode="json"),
    )


def checked_lines(
    ctx: ComponentContext,
    budget: Budget,
    projects: Sequence[uuid.UUID],
    points: Mapping[uuid.UUID, int],
    is_open: bool,
    known: Mapping[uuid.UUID, int],
) -> list[rules.Line]:
    """:func:`valid_lines` once the lid is held: ``is_open`` and the budget's project costs (``known``)."""
    if not is_open:
        raise closed()
    lines, violations = rules.check_form(ctx.settings, projects, points, known)
    violations += rules.check_complete(ctx.settings, budget.total_amount, lines) if not violations else []
    if violations:
        raise invalid(violations)
    return lines


async def _replace(
    session: AsyncSession, ctx: ComponentContext, voter: Voter, identity: Identity, lines: list[rules.Line]
) -> Ballot:
    """Put ``lines`` on the voter's ballot and cast it (the ballot's row is locked first)."""
    assert voter.ballot_id is not None
    repo = BallotRepository(session, ctx.commune_id)
    await repo.set_status(voter.ballot_id, from_=[DRAFT, CHECKED_OUT], to=CHECKED_OUT)
    await repo.replace_lines(voter.ballot_id, lines)
    values: dict[str, object] = {"voted_at": utcnow()}
    if voter.voter_key != identity.voter_key:
        values["voter_key"] = identity.voter_key
    await VoterRepository(session, ctx.commune_id).mark_voted(voter.id, **values)
    await session.refresh(voter)
    return await load_ballot(session, ctx, voter.ballot_id)


async def cast(
    session: AsyncSession,
    ctx: ComponentContext,
    budget: Budget,
    identity: Identity,
    lines: list[rules.Line],
    *,
    replace: bool,
    idempotency: IdempotentRequest | None = None,
) -> Answer:
    """Cast a whole ballot for ``identity``: a new one, the person's draft completed, or (``replace``)
    their cast ballot replaced. 409 ``already_voted`` when the identity voted already (any account, any
    channel) and ``replace`` is false."""
    online = identity.user_id is not None
    if online and not replace and BallotRepository(session, ctx.commune_id).casts_at_once:
        answer = await _cast_first_at_once(session, ctx, budget, identity, lines, idempotency)
        if answer is not None:
            return answer
    voters = VoterRepository(session, ctx.commune_id)
    register = await voters.register_of(ctx.component_id, budget.id, identity.voter_key, identity.user_id)
    voter = next(
        (r for r in register if online and r.budget_id == budget.id and r.user_id == identity.user_id),
        None,
    )
    try:
        async with session.begin_nested():
            if voter is not None:
                if voter.status == VOTED and not replace:
                    raise already_voted()
                verb = "replace" if voter.status == VOTED else "vote"
                ballot = await _replace(session, ctx, voter, identity, lines)
            else:
                verb = "vote" if online else "paper_vote"
                if not online:
                    await _drop_online_draft(session, ctx, budget, identity)
                voter, ballot = await new_voter(
                    session, ctx, budget, identity, status=VOTED, lines=lines, register=register
                )
            answer = _answer(ctx, budget, voter, ballot, lines, created=verb != "replace")
            if idempotency is not None:
                await idempotency.remember(session, answer)
    except (IntegrityError, BallotConflict) as exc:
        refused = exc if isinstance(exc, BallotConflict) else None
        return await _refused(session, ctx, budget, identity, lines, refused, replace, idempotency)
    await _record_vote(session, ctx, budget, voter, verb)
    return answer


async def _cast_first_at_once(
    session: AsyncSession,
    ctx: ComponentContext,
    budget: Budget,
    identity: Identity,
    lines: list[rules.Line],
    idempotency: IdempotentRequest | None,
) -> Answer | None:
    """The common case on PostgreSQL, a person's first ballot in the budget, online: ballot, items,
    register row, idempotency record and audit entry in one statement, without reading the register
    first and without a savepoint (``BallotRepository.insert_cast_at_once``). None: the register or the
    key refused a row (the person has a row already, holds the workflow slot, or retries), nothing is
    left written, and the general path, which reads the register, decides."""
    first = first_cast(ctx, budget, identity, lines, idempotency, session)
    if first is None:
        return None
    written = await BallotRepository(session, ctx.commune_id).insert_cast_at_once(
        first.ballot, lines, first.voter, first.record, first.entry
    )
    return first.answer if written else None


@dataclass(frozen=True, slots=True)
class FirstCast:
    """A person's first ballot in a budget, online, built and answered, not written yet."""

    answer: Answer
    ballot: Ballot
    voter: Voter
    record: IdempotencyRecord | None
    entry: dict[str, Any]
    """The audit entry's row."""


def first_cast(
    ctx: ComponentContext,
    budget: Budget,
    identity: Identity,
    lines: list[rules.Line],
    idempotency: IdempotentRequest | None,
    by: AsyncSession | Actor,
) -> FirstCast | None:
    """What :func:`_cast_first_at_once` inserts, and its answer; ``by``: the unit of work whose actor casts
    it, or that actor. None: the workflow gives this budget no slot."""
    slot = first_slot(ctx, budget, identity)
    if slot is None:
        return None
    voter, ballot = build_new(ctx, budget, identity, slot, status=VOTED, lines=lines)
    answer = _answer(ctx, budget, voter, ballot, lines, created=True)
    record = idempotency.record(answer) if idempotency is not None else None
    entry = audit.entry_row(by, **_vote_entry(ctx, budget, voter, "vote"))
    return FirstCast(answer=answer, ballot=ballot, voter=voter, record=record, entry=entry)


async def _refused(
    session: AsyncSession,
    ctx: ComponentContext,
    budget: Budget,
    identity: Identity,
    lines: list[rules.Line],
    conflict: BallotConflict | None,
    replace: bool,
    idempotency: IdempotentRequest | None,
) -> Answer:
    """After the register (a unique constraint; ``conflict`` None) or a workflow rule refused the ballot:
    a retry gets the first answer, a racing ``replace`` of the same account replaces what the other
    request cast, anyone else learns why (409)."""
    if idempotency is not None and (replayed := await idempotency.replay(session)) is not None:
        return replayed
    if conflict is not None:
        raise conflict
    voters = VoterRepository(session, ctx.commune_id)
    if replace and identity.user_id is not None and await voters.of_user(budget.id, identity.user_id):
        # a concurrent request of the same account created the row: replace what it cast
        return await cast(session, ctx, budget, identity, lines, replace=True)
    raise await conflict_for(session, ctx, budget, identity)


def _vote_entry(ctx: ComponentContext, budget: Budget, voter: Voter, verb: str) -> dict[str, Any]:
    """The audit entry of a vote: about the register row, never the choices."""
    return {
        "commune_id": ctx.commune_id,
        "kind": "voter",
        "id": voter.id,
        "verb": verb,
        "changes": {"budget_id": budget.id, "channel": voter.channel},
    }


async def _record_vote(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, voter: Voter, verb: str
) -> None:
    await audit.record_now(session, **_vote_entry(ctx, budget, voter, verb))


async def _drop_online_draft(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, identity: Identity
) -> None:
    """A paper ballot supersedes a ballot the same person started online and never cast."""
    draft = await VoterRepository(session, ctx.commune_id).of_key(budget.id, identity.voter_key)
    if draft is None or draft.status != DRAFT:
        return
    ballot_id = draft.ballot_id
    await session.delete(draft)
    await session.flush()
    if ballot_id is not None:
        await session.delete(await load_ballot(session, ctx, ballot_id))
        await session.flush()


def _answer(
    ctx: ComponentContext,
    budget: Budget,
    voter: Voter,
    ballot: Ballot,
    lines: list[rules.Line],
    *,
    created: bool,
) -> Answer:
    status = 201 if created else 200
    if voter.user_id is None:
        assert voter.voted_at is not None
        receipt = PaperBallotRead(
            budget_id=budget.id,
            voter_id=voter.id,
            channel=voter.channel,
            voted_at=voter.voted_at,
            projects_count=len(lines),
            total_cost=sum(x.cost for x in lines),
        )
        return Answer(status, receipt.model_dump_json())
    return Answer(status, ballot_read(ctx, budget, voter, ballot, lines).model_dump_json())


async def submit(
    session: AsyncSession,
    ctx: ComponentContext,
    budget: Budget,
    identity: Identity,
    *,
    projects: Sequence[uuid.UUID],
    points: Mapping[uuid.UUID, int],
    replace: bool,
    idempotency: IdempotentRequest | None,
) -> Answer:
    ensure_open(ctx, budget)
    # A retry meets the register's or the key's unique constraint in ``cast``, which then replays the
    # stored answer (or refuses another body with the same key): no lookup before the usual, first, try.
    check_district(ctx, budget, identity)
    lines = await valid_lines(session, ctx, budget, projects, points)
    return await cast(session, ctx, budget, identity, lines, replace=replace, idempotency=idempotency)


async def withdraw(session: AsyncSession, ctx: ComponentContext, budget: Budget, user_id: uuid.UUID) -> None:
    """Take back one's ballot (draft or cast) while the vote is open: the ballot and the register entry
    go, so the person may vote again, in this budget or (workflow ``one``) another."""
    ensure_open(ctx, budget)
    voter = await own_voter(session, ctx, budget, user_id)
    ballot_id = voter.ballot_id
    was_cast = voter.status == VOTED
    await session.delete(voter)
    await session.flush()
    if ballot_id is not None:
        await session.delete(await load_ballot(session, ctx, ballot_id))
        await session.flush()
    if was_cast:
        audit.record(
            session,
            commune_id=ctx.commune_id,
            kind="voter",
            id=voter.id,
            verb="withdraw",
            changes={"budget_id": budget.id},
        )
