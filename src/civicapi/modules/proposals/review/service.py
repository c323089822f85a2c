"""Eligibility review: the component's criteria grid, valuator assignments, each valuator's review
(per criterion met or not, with a comment, and private notes) and the aggregate administrators see.

Valuators see and act only on the proposals assigned to them, and only on their own review."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.repository import MembershipRepository
from civicapi.core.audit import diff, snapshot
from civicapi.core.db.base import utcnow
from civicapi.core.errors import InvalidInput, NotFound
from civicapi.core.i18n import check_locales
from civicapi.core.pagination import decode_cursor, encode_cursor, python_type
from civicapi.identity.models import User
from civicapi.modules.proposals.common import trail
from civicapi.modules.proposals.common.events import DELETED_PARTICIPANT
from civicapi.modules.proposals.common.rules import require_user
from civicapi.modules.proposals.exceptions import ProposalActionForbidden, ProposalConflict
from civicapi.modules.proposals.models import (
    DRAFT,
    PUBLISHED,
    Criterion,
    Proposal,
    Review,
    ValuatorAssignment,
)
from civicapi.modules.proposals.repository import ProposalFilters, ProposalRepository, SortKey
from civicapi.modules.proposals.repository_review import (
    AssignmentRepository,
    CriterionRepository,
    ReviewRepository,
)
from civicapi.modules.proposals.review.schemas import (
    AssignmentCreate,
    AssignmentRead,
    CriterionCreate,
    CriterionResult,
    CriterionTally,
    CriterionUpdate,
    ProposalReviewRead,
    ReviewRead,
    ReviewStatus,
    ReviewUpdate,
    Verdict,
)
from civicapi.modules.proposals.settings import ComponentContext

VALUATOR_ROLE = "valuator"
CRITERION_FIELDS = ("label", "description", "position")


# --- criteria --------------------------------------------------------------------------------------------


async def list_criteria(session: AsyncSession, ctx: ComponentContext) -> list[Criterion]:
    return await CriterionRepository(session, ctx.commune_id).of_component(ctx.component_id)


async def get_criterion(session: AsyncSession, ctx: ComponentContext, criterion_id: uuid.UUID) -> Criterion:
    criterion = await CriterionRepository(session, ctx.commune_id).in_component(
        ctx.component_id, criterion_id
    )
    if criterion is None:
        raise NotFound(f"criterion {criterion_id} not found")
    return criterion


async def create_criterion(session: AsyncSession, ctx: ComponentContext, data: CriterionCreate) -> Criterion:
    check_locales(data.label, ctx.commune.locales, field="label")
    check_locales(data.description, ctx.commune.locales, field="description")
    repo = CriterionRepository(session, ctx.commune_id)
    position = data.position if data.position is not None else await repo.next_position(ctx.component_id)
    criterion = repo.add(
        Criterion(
            component_id=ctx.component_id,
            label=data.label,
            description=data.description or {},
            position=position,
        )
    )
    await session.flush()
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="criterion",
        id=criterion.id,
        verb="create",
        changes=trail.created(criterion, CRITERION_FIELDS),
    )
    return criterion


async def update_criterion(
    session: AsyncSession, ctx: ComponentContext, criterion: Criterion, data: CriterionUpdate
) -> Criterion:
    changes = data.model_dump(exclude_unset=True)
    nulls = [k for k in ("label", "position") if k in changes and changes[k] is None]
    if nulls:
        raise InvalidInput(
            f"{', '.join(nulls)} cannot be null",
            errors=[{"location": ["body", k], "message": "cannot be null", "code": "null"} for k in nulls],
        )
    check_locales(changes.get("label"), ctx.commune.locales, field="label")
    check_locales(changes.get("description"), ctx.commune.locales, field="description")
    if "description" in changes and changes["description"] is None:
        changes["description"] = {}
    before = snapshot(criterion, list(changes))
    for key, value in changes.items():
        setattr(criterion, key, value)
    criterion.updated_at = utcnow()
    await session.flush()
    changed = diff(before, snapshot(criterion, list(changes)))
    if changed:
        trail.record(
            session,
            commune_id=ctx.commune_id,
            kind="criterion",
            id=criterion.id,
            verb="update",
            changes=changed,
        )
    return criterion


async def delete_criterion(session: AsyncSession, ctx: ComponentContext, criterion: Criterion) -> None:
    """Delete a criterion; the judgements recorded against it are no longer counted."""
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="criterion",
        id=criterion.id,
        verb="delete",
        changes={"label": [criterion.label, None]},
    )
    await session.delete(criterion)
    await session.flush()


# --- assignments -----------------------------------------------------------------------------------------


def _require_reviewable(proposal: Proposal) -> None:
    if proposal.status == DRAFT:
        raise ProposalConflict("a draft is not reviewed", reason="not_published")


async def list_assignments(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal
) -> list[AssignmentRead]:
    rows = await AssignmentRepository(session, ctx.commune_id).of_proposals([proposal.id])
    return [AssignmentRead(user_id=a.valuator_id, name=name, assigned_at=a.created_at) for a, name in rows]


async def assign_valuator(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, data: AssignmentCreate
) -> AssignmentRead:
    _require_reviewable(proposal)
    if VALUATOR_ROLE not in await MembershipRepository(session, ctx.commune_id).roles_of(data.user_id):
        raise InvalidInput(
            "this person is not a valuator of the commune",
            errors=[
                {
                    "location": ["body", "user_id"],
                    "message": "give the valuator role first",
                    "code": "not_a_valuator",
                }
            ],
        )
    repo = AssignmentRepository(session, ctx.commune_id)
    if await repo.find(proposal.id, data.user_id) is not None:
        raise ProposalConflict("this valuator is assigned already", reason="already_assigned")
    assignment = repo.add(ValuatorAssignment(proposal_id=proposal.id, valuator_id=data.user_id))
    await session.flush()
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="assign_valuator",
        changes={"valuators": [None, str(data.user_id)]},
    )
    rows = await repo.of_proposals([proposal.id])
    name = next((n for a, n in rows if a.id == assignment.id), "")
    return AssignmentRead(user_id=data.user_id, name=name, assigned_at=assignment.created_at)


async def unassign_valuator(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, valuator_id: uuid.UUID
) -> None:
    repo = AssignmentRepository(session, ctx.commune_id)
    assignment = await repo.find(proposal.id, valuator_id)
    if assignment is None:
        raise NotFound("this valuator is not assigned to the proposal")
    await repo.delete(assignment)
    await session.flush()
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="unassign_valuator",
        changes={"valuators": [str(valuator_id), None]},
    )


# --- reviews ---------------------------------------------------------------------------------------------


def _results(review: Review, criteria: Sequence[Criterion]) -> list[CriterionResult]:
    out = []
    for criterion in criteria:
        judged = review.results.get(str(criterion.id))
        if judged is not None:
            out.append(
                CriterionResult(criterion_id=criterion.id, met=bool(judged["met"]), comment=judged["comment"])
            )
    return out


def _is_complete(review: Review, criteria: Sequence[Criterion]) -> bool:
    return all(str(c.id) in review.results for c in criteria)


def review_read(review: Review, name: str | None, criteria: Sequence[Criterion]) -> ReviewRead:
    return ReviewRead(
        valuator_id=review.valuator_id,
        valuator_name=name or DELETED_PARTICIPANT,
        criteria=_results(review, criteria),
        notes=review.notes,
        complete=_is_complete(review, criteria),
        updated_at=review.updated_at,
    )


def aggregate(
    criteria: Sequence[Criterion], assigned: Sequence[uuid.UUID], reviews: Sequence[Review]
) -> tuple[ReviewStatus, list[CriterionTally]]:
    """The proposal's eligibility from its reviews (see :class:`ReviewStatus`)."""
    tallies = []
    for criterion in criteria:
        judgements = [r.results[str(criterion.id)]["met"] for r in reviews if str(criterion.id) in r.results]
        met, not_met = sum(1 for j in judgements if j), sum(1 for j in judgements if not j)
        if met and not_met:
            verdict = Verdict.mixed
        elif met:
            verdict = Verdict.met
        elif not_met:
            verdict = Verdict.not_met
        else:
            verdict = Verdict.pending
        tallies.append(CriterionTally(criterion_id=criterion.id, met=met, not_met=not_met, verdict=verdict))
    if not assigned and not reviews:
        return ReviewStatus.unassigned, tallies
    complete = {r.valuator_id for r in reviews if _is_complete(r, criteria)}
    verdicts = {t.verdict for t in tallies}
    if any(v not in complete for v in assigned) or Verdict.pending in verdicts:
        return ReviewStatus.in_review, tallies
    if Verdict.not_met in verdicts:
        return ReviewStatus.ineligible, tallies
    if Verdict.mixed in verdicts:
        return ReviewStatus.disputed, tallies
    return ReviewStatus.eligible, tallies


def _summaries(
    proposals: Sequence[Proposal],
    criteria: Sequence[Criterion],
    assignments: Sequence[tuple[ValuatorAssignment, str]],
    reviews: Sequence[tuple[Review, str | None]],
    *,
    viewer_id: uuid.UUID,
    sees_all: bool,
) -> list[ProposalReviewRead]:
    assigned_to: dict[uuid.UUID, list[tuple[ValuatorAssignment, str]]] = defaultdict(list)
    for a, valuator_name in assignments:
        assigned_to[a.proposal_id].append((a, valuator_name))
    reviewed: dict[uuid.UUID, list[tuple[Review, str | None]]] = defaultdict(list)
    for r, reviewer_name in reviews:
        reviewed[r.proposal_id].append((r, reviewer_name))
    out = []
    for proposal in proposals:
        mine_assigned, mine_reviews = assigned_to[proposal.id], reviewed[proposal.id]
        if sees_all:
            status, tallies = aggregate(
                criteria, [a.valuator_id for a, _ in mine_assigned], [r for r, _ in mine_reviews]
            )
            shown = mine_reviews
        else:
            status, tallies = None, []
            shown = [(r, n) for r, n in mine_reviews if r.valuator_id == viewer_id]
        out.append(
            ProposalReviewRead(
                proposal_id=proposal.id,
                reference=proposal.reference,
                title=proposal.title,
                status=status,
                valuators=[
                    AssignmentRead(user_id=a.valuator_id, name=n, assigned_at=a.created_at)
                    for a, n in mine_assigned
                ]
                if sees_all
                else [],
                criteria=tallies,
                reviews=[review_read(r, n, criteria) for r, n in shown],
            )
        )
    return out


async def _require_assigned(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, user: User
) -> None:
    if await AssignmentRepository(session, ctx.commune_id).find(proposal.id, user.id) is None:
        raise ProposalActionForbidden("you are not assigned to review this proposal", reason="not_assigned")


async def save_review(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, data: ReviewUpdate, *, user: User | None
) -> ReviewRead:
    """Record the caller's judgement per criterion (those sent replace earlier ones) and their notes."""
    user = require_user(user)
    _require_reviewable(proposal)
    await _require_assigned(session, ctx, proposal, user)
    criteria = await list_criteria(session, ctx)
    known = {c.id for c in criteria}
    errors: list[dict[str, Any]] = []
    seen: set[uuid.UUID] = set()
    for i, item in enumerate(data.criteria):
        where: list[str | int] = ["body", "criteria", i, "criterion_id"]
        if item.criterion_id not in known:
            errors.append(
                {
                    "location": where,
                    "message": "not a criterion of this component",
                    "code": "unknown_criterion",
                }
            )
        elif item.criterion_id in seen:
            errors.append({"location": where, "message": "judged twice", "code": "duplicate"})
        seen.add(item.criterion_id)
    if errors:
        raise InvalidInput(f"{len(errors)} criteria are invalid", errors=errors)
    repo = ReviewRepository(session, ctx.commune_id)
    review = await repo.find(proposal.id, user.id)
    if review is None:
        review = repo.add(Review(proposal_id=proposal.id, valuator_id=user.id, results={}, notes=""))
    results = dict(review.results)
    for item in data.criteria:
        results[str(item.criterion_id)] = {"met": item.met, "comment": item.comment}
    review.results = results
    if data.notes is not None:
        review.notes = data.notes
    review.updated_at = utcnow()
    await session.flush()
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="review",
        changes={"criteria": [None, {str(i.criterion_id): i.met for i in data.criteria}]},
    )
    return review_read(review, user.display_name, criteria)


async def proposal_review(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, *, user: User | None, sees_all: bool
) -> ProposalReviewRead:
    user = require_user(user)
    _require_reviewable(proposal)
    if not sees_all:
        await _require_assigned(session, ctx, proposal, user)
    criteria = await list_criteria(session, ctx)
    assignments = await AssignmentRepository(session, ctx.commune_id).of_proposals([proposal.id])
    reviews = await ReviewRepository(session, ctx.commune_id).of_proposals([proposal.id])
    return _summaries([proposal], criteria, assignments, reviews, viewer_id=user.id, sees_all=sees_all)[0]


async def review_queue(
    session: AsyncSession,
    ctx: ComponentContext,
    *,
    user: User | None,
    sees_all: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[ProposalReviewRead], str | None]:
    """Published proposals with their review: every one for administrators, the caller's assignments for
    a valuator. A constant number of queries per page."""
    user = require_user(user)
    repo = ProposalRepository(session, ctx.commune_id)
    stmt = repo.filtered(ctx.component_id, ProposalFilters(status=PUBLISHED))
    if not sees_all:
        stmt = stmt.where(Proposal.id.in_(AssignmentRepository(session, ctx.commune_id).assigned_to(user.id)))
    sort = SortKey("published_at", Proposal.published_at, lambda p: p.published_at, descending=False)
    after = None
    if cursor:
        value, last_id = decode_cursor(cursor, sort.name, [python_type(sort.expression), uuid.UUID])
        after = (value, last_id)
    rows, last = await repo.page(stmt, sort=sort, limit=limit, after=after)
    ids = [p.id for p in rows]
    criteria = await list_criteria(session, ctx)
    assignments = await AssignmentRepository(session, ctx.commune_id).of_proposals(ids)
    reviews = await ReviewRepository(session, ctx.commune_id).of_proposals(ids)
    items = _summaries(rows, criteria, assignments, reviews, viewer_id=user.id, sees_all=sees_all)
    return items, encode_cursor(sort.name, list(last)) if last is not None else None
