"""A person's own ballot, built step by step: add and remove projects (the budget left is kept by the
database), see it, check it out. Whole ballots in one request are in :mod:`service_cast`."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.errors import NotFound
from civicapi.modules.budgets import audit_helpers as audit
from civicapi.modules.budgets.catalog.repository import ProjectRepository
from civicapi.modules.budgets.exceptions import BallotConflict, BallotInvalid
from civicapi.modules.budgets.models import CHECKED_OUT, DRAFT, VOTED, Ballot, Budget, Voter
from civicapi.modules.budgets.settings import BallotKind, ComponentContext
from civicapi.modules.budgets.voting import rules
from civicapi.modules.budgets.voting.repository import BallotRepository, Caps, VoterRepository
from civicapi.modules.budgets.voting.schemas import BallotLineRead, BallotRead, ViolationRead
from civicapi.modules.budgets.voting.service_voters import Identity, choose_slot, ensure_open, hold_open


class _Refused(Exception):
    """A conditional update found a cap or the status against it (rolls the savepoint back)."""


def invalid(violations: list[rules.Violation]) -> BallotInvalid:
    first = violations[0]
    return BallotInvalid(
        first.detail, reason=first.reason, violations=[v.as_dict() for v in violations], **dict(first.figures)
    )


def ballot_read(
    ctx: ComponentContext, budget: Budget, voter: Voter, ballot: Ballot, lines: list[rules.Line]
) -> BallotRead:
    settings = ctx.settings
    t = rules.totals(lines)
    violations = rules.check_complete(settings, budget.total_amount, lines)
    cumulative = settings.ballot_kind is BallotKind.cumulative
    return BallotRead(
        id=ballot.id,
        budget_id=budget.id,
        status=ballot.status,
        channel=ballot.channel,
        projects=[BallotLineRead(project_id=x.project_id, points=x.points, cost=x.cost) for x in lines],
        total_cost=t.total_cost,
        remaining=budget.total_amount - t.total_cost,
        points_total=t.points_total,
        points_remaining=settings.points_total - t.points_total if cumulative else None,
        projects_count=t.projects_count,
        rules=rules.rules_summary(settings, budget.total_amount),
        can_checkout=ballot.status == DRAFT and not violations,
        violations=[ViolationRead.model_validate(v.as_dict()) for v in violations],
        voted_at=voter.voted_at,
    )


def already_voted() -> BallotConflict:
    return BallotConflict(
        "this person has already voted in this budget (with this or another account, or on paper)",
        reason="already_voted",
    )


async def conflict_for(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, identity: Identity
) -> BallotConflict:
    """Why the register refused a row for ``identity`` (after a unique constraint fired)."""
    voters = VoterRepository(session, ctx.commune_id)
    if await voters.of_key(budget.id, identity.voter_key) is not None:
        return already_voted()
    try:
        await choose_slot(session, ctx, budget, identity)
    except BallotConflict as exc:
        return exc
    return BallotConflict("a concurrent change took the place; try again", reason="already_voted")


def _no_ballot() -> NotFound:
    return NotFound("you have no ballot in this budget", reason="no_ballot")


def _sealed() -> NotFound:
    return NotFound(
        "the vote is closed: ballots are no longer linked to the people who cast them",
        reason="ballot_sealed",
    )


async def own_voter(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, user_id: uuid.UUID
) -> Voter:
    voter = await VoterRepository(session, ctx.commune_id).of_user(budget.id, user_id)
    if voter is None:
        raise _no_ballot()
    if voter.ballot_id is None:
        raise _sealed()
    return voter


async def load_ballot(session: AsyncSession, ctx: ComponentContext, ballot_id: uuid.UUID) -> Ballot:
    return await BallotRepository(session, ctx.commune_id).by_id(ballot_id)


async def read_own(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, user_id: uuid.UUID
) -> BallotRead:
    found = await VoterRepository(session, ctx.commune_id).of_user_with_ballot(budget.id, user_id)
    if found is None:
        raise _no_ballot()
    voter, ballot, lines = found
    if ballot is None:
        raise _sealed()
    return ballot_read(ctx, budget, voter, ballot, lines)


async def new_voter(
    session: AsyncSession,
    ctx: ComponentContext,
    budget: Budget,
    identity: Identity,
    *,
    status: str,
    lines: list[rules.Line],
    register: list[Voter] | None = None,
) -> tuple[Voter, Ballot]:
    """Insert a ballot with ``lines`` and its register row (flushed). The register's unique constraints
    raise ``IntegrityError`` when the identity already has a row here or holds the workflow slot.
    ``register``: the identity's rows in the component, if already read."""
    slot = await choose_slot(session, ctx, budget, identity, register)
    voter, ballot = build_new(ctx, budget, identity, slot, status=status, lines=lines)
    # Inserted as built, never added to the session: the returned objects are read, not changed.
    await BallotRepository(session, ctx.commune_id).insert_new(ballot, lines, voter)
    return voter, ballot


def build_new(
    ctx: ComponentContext,
    budget: Budget,
    identity: Identity,
    slot: str,
    *,
    status: str,
    lines: list[rules.Line],
) -> tuple[Voter, Ballot]:
    """A new ballot with ``lines`` and its register row in workflow ``slot``, built (not inserted)."""
    t = rules.totals(lines)
    cast = status == VOTED
    now = utcnow()
    ballot = Ballot(
        id=uuid.uuid4(),
        commune_id=ctx.commune_id,
        budget_id=budget.id,
        status=CHECKED_OUT if cast else DRAFT,
        channel=identity.channel,
        total_cost=t.total_cost,
        points_total=t.points_total,
        projects_count=t.projects_count,
        position=None,
        voter_ref=None,
        extra={},
    )
    voter = Voter(
        id=uuid.uuid4(),
        commune_id=ctx.commune_id,
        component_id=budget.component_id,
        budget_id=budget.id,
        voter_key=identity.voter_key,
        slot=slot,
        user_id=identity.user_id,
        ballot_id=ballot.id,
        status=status,
        channel=identity.channel,
        entered_by_user_id=identity.entered_by,
        created_at=now,
        voted_at=now if cast else None,
    )
    return voter, ballot


async def ensure_draft(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, identity: Identity
) -> tuple[Voter, Ballot]:
    assert identity.user_id is not None
    voters = VoterRepository(session, ctx.commune_id)
    voter = await voters.of_user(budget.id, identity.user_id)
    if voter is None:
        try:
            async with session.begin_nested():
                return await new_voter(session, ctx, budget, identity, status=DRAFT, lines=[])
        except IntegrityError:
            voter = await voters.of_user(budget.id, identity.user_id)  # a concurrent request of this account
            if voter is None:
                raise await conflict_for(session, ctx, budget, identity) from None
    if voter.status == VOTED:
        raise BallotConflict(
            "your ballot is cast: withdraw it or replace it to change it", reason="already_checked_out"
        )
    assert voter.ballot_id is not None
    return voter, await load_ballot(session, ctx, voter.ballot_id)


def caps_of(ctx: ComponentContext, budget: Budget) -> Caps:
    settings = ctx.settings
    return Caps(
        total_cost=budget.total_amount if rules.budget_caps_total(settings) else None,
        projects_count=rules.max_projects(settings),
        points_total=settings.points_total if settings.ballot_kind is BallotKind.cumulative else None,
    )


async def add_project(
    session: AsyncSession,
    ctx: ComponentContext,
    budget: Budget,
    identity: Identity,
    *,
    project_id: uuid.UUID,
    points: int,
) -> BallotRead:
    ensure_open(ctx, budget)
    await hold_open(session, ctx, budget)
    project = await ProjectRepository(session, ctx.commune_id).in_budget(budget.id, project_id)
    if project is None:
        raise invalid(
            [
                rules.Violation(
                    "unknown_project",
                    f"project {project_id} is not a project of this budget",
                    {"project_id": str(project_id)},
                )
            ]
        )
    settings = ctx.settings
    if settings.ballot_kind is not BallotKind.cumulative and points != 1:
        raise invalid([rules.Violation("invalid_points", "this ballot gives no points: send 1 or omit it")])
    line = rules.Line(project.id, project.cost, points)
    over = rules.check_caps(settings, budget.total_amount, [line])
    if over:
        raise invalid(over)
    voter, ballot = await ensure_draft(session, ctx, budget, identity)
    ballot_id = ballot.id  # a rolled-back savepoint expires the objects it touched: keep plain values
    repo = BallotRepository(session, ctx.commune_id)
    present = await repo.has_item(ballot_id, project.id)
    if present is None:
        try:
            async with session.begin_nested():
                if not await repo.add_line(ballot_id, line, caps_of(ctx, budget)):
                    raise _Refused
        except IntegrityError:
            present = await repo.has_item(ballot_id, line.project_id)  # a concurrent request added it
        except _Refused:
            ballot = await load_ballot(session, ctx, ballot_id)
            if ballot.status != DRAFT:
                raise BallotConflict("your ballot was cast meanwhile", reason="already_checked_out") from None
            lines = await repo.lines(ballot_id)
            violations = rules.check_addition(settings, budget.total_amount, lines, line)
            raise invalid(
                violations or [rules.Violation("conflict", "the ballot changed meanwhile; read it again")]
            ) from None
    if present is not None and present != points:
        raise invalid(
            [
                rules.Violation(
                    "duplicate_project",
                    "the project is already on the ballot with other points; remove it first",
                    {"project_id": str(line.project_id)},
                )
            ]
        )
    ballot = await load_ballot(session, ctx, ballot_id)
    return ballot_read(ctx, budget, voter, ballot, await repo.lines(ballot_id))


async def remove_project(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, user_id: uuid.UUID, project_id: uuid.UUID
) -> BallotRead:
    ensure_open(ctx, budget)
    voter = await own_voter(session, ctx, budget, user_id)
    if voter.status == VOTED:
        raise BallotConflict(
            "your ballot is cast: withdraw it or replace it to change it", reason="already_checked_out"
        )
    assert voter.ballot_id is not None
    project = await ProjectRepository(session, ctx.commune_id).in_budget(budget.id, project_id)
    repo = BallotRepository(session, ctx.commune_id)
    if project is not None:
        await repo.remove_line(voter.ballot_id, project.id, project.cost)
    ballot = await load_ballot(session, ctx, voter.ballot_id)
    return ballot_read(ctx, budget, voter, ballot, await repo.lines(ballot.id))


async def checkout(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, identity: Identity
) -> BallotRead:
    """Cast the draft: every rule is checked after the ballot's row is locked, so no concurrent change
    slips in between the check and the cast."""
    ensure_open(ctx, budget)
    await hold_open(session, ctx, budget)
    assert identity.user_id is not None
    voter = await own_voter(session, ctx, budget, identity.user_id)
    assert voter.ballot_id is not None
    repo = BallotRepository(session, ctx.commune_id)
    if voter.status == VOTED or not await repo.set_status(voter.ballot_id, from_=[DRAFT], to=CHECKED_OUT):
        raise BallotConflict("your ballot is already cast", reason="already_checked_out")
    lines = await repo.lines(voter.ballot_id)
    violations = rules.check_complete(ctx.settings, budget.total_amount, lines)
    if violations:
        raise invalid(violations)
    values: dict[str, object] = {"voted_at": utcnow()}
    if voter.voter_key != identity.voter_key:
        values["voter_key"] = identity.voter_key  # verified since the ballot was started
    try:
        await VoterRepository(session, ctx.commune_id).mark_voted(voter.id, **values)
    except IntegrityError:
        raise already_voted() from None
    await session.refresh(voter)
    audit.record(
        session,
        commune_id=ctx.commune_id,
        kind="voter",
        id=voter.id,
        verb="vote",
        changes={"channel": voter.channel},
    )
    ballot = await load_ballot(session, ctx, voter.ballot_id)
    return ballot_read(ctx, budget, voter, ballot, lines)
