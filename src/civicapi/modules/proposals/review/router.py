"""HTTP routes of the eligibility review: criteria, valuator assignments, reviews."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response, status

from civicapi.communes.dependencies import Caller, CallerDep, require
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import (
    BY_POSITION,
    Order,
    Page,
    PageParams,
    in_order,
    memory_page,
    set_link_header,
    sorted_by,
)
from civicapi.core.routing import GuardedRouter
from civicapi.modules.proposals import permissions
from civicapi.modules.proposals.dependencies import (
    COMPONENT,
    PROPOSAL,
    CurrentContext,
    CurrentProposal,
    UserId,
)
from civicapi.modules.proposals.review import service
from civicapi.modules.proposals.review.dependencies import CurrentCriterion
from civicapi.modules.proposals.review.schemas import (
    AssignmentCreate,
    AssignmentRead,
    CriterionCreate,
    CriterionRead,
    CriterionUpdate,
    ProposalReviewRead,
    ReviewRead,
    ReviewUpdate,
)

router = GuardedRouter()

Manager = Annotated[Caller, Depends(require(permissions.MANAGE))]
Assigner = Annotated[Caller, Depends(require(permissions.ASSIGN_VALUATORS))]
Reviewer = Annotated[Caller, Depends(require(permissions.REVIEW))]
CRITERIA = COMPONENT + "/criteria"


def _sees_all(caller: Caller) -> bool:
    return caller.can(permissions.ASSIGN_VALUATORS)


async def review_reader(caller: CallerDep) -> Caller:
    """Valuators (``proposals.review``) and those who assign them (``proposals.assign_valuators``)."""
    if not _sees_all(caller):
        caller.require(permissions.REVIEW)
    return caller


ReviewReader = Annotated[Caller, Depends(review_reader)]


@router.get(
    CRITERIA,
    operation_id="proposals_criteria_list",
    summary="The component's eligibility criteria (valuators and administrators)",
    responses=problem_responses(401, 403, 404),
)
async def list_criteria(
    _caller: ReviewReader,
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(in_order(BY_POSITION))],
    request: Request,
    response: Response,
) -> Page[CriterionRead]:
    rows = [CriterionRead.model_validate(c) for c in await service.list_criteria(session, ctx)]
    return memory_page(request, response, rows, page, BY_POSITION)


@router.post(
    CRITERIA,
    operation_id="proposals_criteria_create",
    summary="Add an eligibility criterion",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_criterion(
    body: CriterionCreate, _caller: Manager, ctx: CurrentContext, session: SessionDep
) -> CriterionRead:
    return CriterionRead.model_validate(await service.create_criterion(session, ctx, body))


@router.patch(
    CRITERIA + "/{criterion_id}",
    operation_id="proposals_criteria_update",
    summary="Edit an eligibility criterion",
    responses=problem_responses(401, 403, 404, 422),
)
async def update_criterion(
    body: CriterionUpdate,
    _caller: Manager,
    criterion: CurrentCriterion,
    ctx: CurrentContext,
    session: SessionDep,
) -> CriterionRead:
    return CriterionRead.model_validate(await service.update_criterion(session, ctx, criterion, body))


@router.delete(
    CRITERIA + "/{criterion_id}",
    operation_id="proposals_criteria_delete",
    summary="Delete an eligibility criterion",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def delete_criterion(
    _caller: Manager, criterion: CurrentCriterion, ctx: CurrentContext, session: SessionDep
) -> None:
    await service.delete_criterion(session, ctx, criterion)


@router.get(
    PROPOSAL + "/valuators",
    operation_id="proposals_valuators_list",
    summary="Valuators assigned to a proposal",
    responses=problem_responses(401, 403, 404),
)
async def list_valuators(
    _caller: Assigner,
    proposal: CurrentProposal,
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("assigned_at", default="assigned_at"))],
    request: Request,
    response: Response,
) -> Page[AssignmentRead]:
    rows = await service.list_assignments(session, ctx, proposal)
    return memory_page(
        request,
        response,
        rows,
        page,
        Order("assigned_at", lambda a: (a.assigned_at, a.user_id), (datetime, uuid.UUID)),
    )


@router.post(
    PROPOSAL + "/valuators",
    operation_id="proposals_valuators_assign",
    summary="Assign a valuator to a proposal",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def assign_valuator(
    body: AssignmentCreate,
    _caller: Assigner,
    proposal: CurrentProposal,
    ctx: CurrentContext,
    session: SessionDep,
) -> AssignmentRead:
    return await service.assign_valuator(session, ctx, proposal, body)


@router.delete(
    PROPOSAL + "/valuators/{user_id}",
    operation_id="proposals_valuators_unassign",
    summary="Unassign a valuator (their review, if any, stays)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def unassign_valuator(
    user_id: UserId, _caller: Assigner, proposal: CurrentProposal, ctx: CurrentContext, session: SessionDep
) -> None:
    await service.unassign_valuator(session, ctx, proposal, user_id)


@router.put(
    PROPOSAL + "/review",
    operation_id="proposals_review_save",
    summary="Record one's review of an assigned proposal (per criterion met or not, comments, notes)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def save_review(
    body: ReviewUpdate, caller: Reviewer, proposal: CurrentProposal, ctx: CurrentContext, session: SessionDep
) -> ReviewRead:
    return await service.save_review(session, ctx, proposal, body, user=caller.user)


@router.get(
    PROPOSAL + "/reviews",
    operation_id="proposals_reviews_get",
    summary="A proposal's reviews: one's own (valuator), or all with the aggregate (administrators)",
    responses=problem_responses(401, 403, 404, 409),
)
async def proposal_reviews(
    caller: ReviewReader, proposal: CurrentProposal, ctx: CurrentContext, session: SessionDep
) -> ProposalReviewRead:
    return await service.proposal_review(session, ctx, proposal, user=caller.user, sees_all=_sees_all(caller))


@router.get(
    COMPONENT + "/reviews",
    operation_id="proposals_reviews_list",
    summary="The review queue: one's assigned proposals (valuator), or every one (administrators)",
    responses=problem_responses(401, 403, 404, 422),
)
async def review_queue(
    request: Request,
    response: Response,
    caller: ReviewReader,
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("published_at", default="published_at"))],
) -> Page[ProposalReviewRead]:
    items, cursor = await service.review_queue(
        session, ctx, user=caller.user, sees_all=_sees_all(caller), limit=page.limit, cursor=page.cursor
    )
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)
