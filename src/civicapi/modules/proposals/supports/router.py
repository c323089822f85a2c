"""HTTP routes of supports: give and take back one's support, and where one stands in a component."""

from __future__ import annotations

from fastapi import Response, status

from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.modules.proposals.common import reading
from civicapi.modules.proposals.dependencies import (
    COMPONENT,
    PROPOSAL,
    AuthenticatedCaller,
    CurrentContext,
    CurrentProposal,
    ViewerDep,
)
from civicapi.modules.proposals.schemas import ParticipationRead, SupportRead
from civicapi.modules.proposals.supports import service

router = GuardedRouter()


@router.post(
    PROPOSAL + "/supports",
    operation_id="proposals_supports_create",
    summary="Support a proposal (201; 200 when the caller supports it already: safe to retry)",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": SupportRead, "description": "Supported already; nothing changed."},
        **problem_responses(401, 403, 404, 409),
    },
)
async def support_proposal(
    caller: AuthenticatedCaller,
    proposal: CurrentProposal,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
) -> SupportRead:
    """A support stays `pending` (not counted) until the person gave the component's minimum number of
    supports; `participation.remaining` says how many more are needed. Refusals carry a `reason`:
    `supports_disabled`, `supports_blocked`, `requirements_not_met` (403), `support_limit_reached`,
    `threshold_reached`, `state_not_supportable`, `not_published`, `withdrawn` (409)."""
    support, created = await service.support_proposal(
        session, ctx, proposal, user=caller.user, counts_hidden=not reading.counts_visible(ctx, viewer)
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return support


@router.delete(
    PROPOSAL + "/supports/mine",
    operation_id="proposals_supports_delete",
    summary="Take back one's support",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def withdraw_support(
    caller: AuthenticatedCaller, proposal: CurrentProposal, ctx: CurrentContext, session: SessionDep
) -> None:
    await service.withdraw_support(session, ctx, proposal, user=caller.user)


@router.get(
    COMPONENT + "/participation",
    operation_id="proposals_participation_get",
    summary="Where the caller stands: supports given and left, how many more before they count",
    responses=problem_responses(401, 404),
)
async def my_participation(
    caller: AuthenticatedCaller, ctx: CurrentContext, session: SessionDep
) -> ParticipationRead:
    return await service.my_participation(session, ctx, user=caller.user)
