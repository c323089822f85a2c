"""HTTP routes of states and answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, status

from civicapi.communes.dependencies import Caller, require
from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.etag import etag_for
from civicapi.core.pagination import Order, Page, PageParams, memory_page, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.modules.proposals import permissions
from civicapi.modules.proposals.answers import service
from civicapi.modules.proposals.common import reading
from civicapi.modules.proposals.dependencies import (
    COMPONENT,
    PROPOSAL,
    CurrentContext,
    CurrentProposal,
    StateTokenPath,
    ViewerDep,
)
from civicapi.modules.proposals.schemas import (
    AnswerCreate,
    AnswersPublish,
    AnswersPublishRead,
    ProposalRead,
    StateCreate,
    StateRead,
    StateUpdate,
)

router = GuardedRouter()

Answerer = Annotated[Caller, Depends(require(permissions.ANSWER))]
Manager = Annotated[Caller, Depends(require(permissions.MANAGE))]
STATES = COMPONENT + "/states"


@router.get(
    STATES,
    operation_id="proposals_states_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="States a proposal of this component can be answered with (built-in and custom)",
    responses=problem_responses(404),
)
async def list_states(
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("position", default="position"))],
    request: Request,
    response: Response,
) -> Page[StateRead]:
    rows = await service.list_states(session, ctx)
    return memory_page(
        request, response, rows, page, Order("position", lambda s: (s.position, s.token), (int, str))
    )


@router.post(
    STATES,
    operation_id="proposals_states_create",
    summary="Add a custom state",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_state(
    body: StateCreate, _caller: Manager, ctx: CurrentContext, session: SessionDep
) -> StateRead:
    return await service.create_state(session, ctx, body)


@router.patch(
    STATES + "/{token}",
    operation_id="proposals_states_update",
    summary="Edit a custom state (built-in states cannot change)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_state(
    token: StateTokenPath, body: StateUpdate, _caller: Manager, ctx: CurrentContext, session: SessionDep
) -> StateRead:
    return await service.update_state(session, ctx, token, body)


@router.delete(
    STATES + "/{token}",
    operation_id="proposals_states_delete",
    summary="Delete a custom state no proposal uses",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def delete_state(
    token: StateTokenPath, _caller: Manager, ctx: CurrentContext, session: SessionDep
) -> None:
    await service.delete_state(session, ctx, token)


@router.put(
    PROPOSAL + "/answer",
    operation_id="proposals_answer",
    summary="Answer a proposal (state, text, costs); published now or held, per the phase's settings",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def answer_proposal(
    body: AnswerCreate,
    _caller: Answerer,
    proposal: CurrentProposal,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
) -> ProposalRead:
    proposal = await service.answer_proposal(session, ctx, proposal, body)
    response.headers["ETag"] = etag_for(proposal.id, proposal.updated_at)
    return await reading.read_one(session, ctx, proposal, viewer=viewer)


@router.post(
    COMPONENT + "/answers/publish",
    operation_id="proposals_answers_publish",
    summary="Publish held answers in bulk (all of the component's, or those of the proposals named)",
    responses=problem_responses(401, 403, 404, 422),
)
async def publish_answers(
    body: AnswersPublish, _caller: Answerer, ctx: CurrentContext, session: SessionDep
) -> AnswersPublishRead:
    return AnswersPublishRead(published=await service.publish_answers(session, ctx, body.proposal_ids))
