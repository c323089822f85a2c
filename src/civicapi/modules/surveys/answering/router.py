"""Routes of the surveys' answering use case (HTTP only): answer, one's own answer, one's participation,
and answer tokens for answers without an account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Response, status
from fastapi.responses import JSONResponse

from civicapi.core.deps import IdempotencyKey, SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.forms.schemas_submission import ResponseRead, SubmissionIn
from civicapi.identity.dependencies import ClientAddress, RateLimiterDep
from civicapi.modules.surveys.answering import service, service_mine, tokens
from civicapi.modules.surveys.answering.dependencies import AnsweringDep
from civicapi.modules.surveys.answering.schemas import AnswerTokenRead, ParticipationRead
from civicapi.modules.surveys.dependencies import (
    SURVEY,
    CurrentContext,
    CurrentSurvey,
    ViewerDep,
)

router = GuardedRouter()

REPLAYED_HEADER = "Idempotent-Replayed"
RESPONSES = SURVEY + "/responses"
MINE = RESPONSES + "/mine"

AnswerToken = Annotated[
    str | None,
    Header(
        alias="Answer-Token",
        min_length=1,
        max_length=200,
        description="A one-time answer token (`POST .../answer-tokens`): answers without an account.",
    ),
]


@router.post(
    RESPONSES,
    operation_id="surveys_responses_create",
    summary="Answer a survey (signed in, or with a one-time answer token)",
    status_code=status.HTTP_201_CREATED,
    response_model=ResponseRead,
    responses={
        200: {
            "model": ParticipationRead,
            "description": "A replay (same `Idempotency-Key`) of an anonymous answer that nothing links to "
            "its author any more: a receipt without the answers.",
        },
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def answer(
    target: AnsweringDep,
    body: SubmissionIn,
    session: SessionDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    answer_token: AnswerToken = None,
) -> Any:
    """Refusals carry a `reason`: `answers_disabled`, `requirements_not_met`, `invalid_token` (403);
    `closed`, `not_open_yet`, `already_answered` (with `edit`, where to change the answer when the survey
    allows it), `token_used`, `accounts_required` (409). A refused answer (`forms-invalid-response`, 422)
    names each question in `errors`. A retry with the same `Idempotency-Key` answers the first outcome
    again, with `Idempotent-Replayed: true`. A draft's managers' answers are test answers (not counted)."""
    outcome = await service.answer(
        session, target, body, idempotency_key=idempotency_key, answer_token=answer_token
    )
    headers = {REPLAYED_HEADER: "true"} if outcome.replayed else {}
    if outcome.response is None:
        assert outcome.receipt is not None
        return JSONResponse(outcome.receipt.model_dump(mode="json"), headers=headers)
    response.headers.update(headers)
    return outcome.response


@router.get(
    MINE,
    operation_id="surveys_responses_mine",
    summary="My answer (404 for an anonymous survey once nothing links me to it)",
    responses=problem_responses(401, 404),
)
async def read_mine(target: AnsweringDep, session: SessionDep) -> ResponseRead:
    return await service_mine.read_mine(session, target)


@router.put(
    MINE,
    operation_id="surveys_responses_mine_replace",
    summary="Change my answer (judged whole again; the count unchanged) while the survey allows it",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def edit_mine(target: AnsweringDep, body: SubmissionIn, session: SessionDep) -> ResponseRead:
    """Refusals carry a `reason`: `editing_not_allowed`, `closed` (409)."""
    return await service_mine.edit_mine(session, target, body)


@router.get(
    SURVEY + "/participation",
    operation_id="surveys_participation",
    summary="Whether I answered the survey, how many times, and whether I may still change my answer",
    responses=problem_responses(401, 404),
)
async def participation(
    survey: CurrentSurvey, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep
) -> ParticipationRead:
    return await service_mine.participation(session, ctx, survey, viewer)


@router.post(
    SURVEY + "/answer-tokens",
    operation_id="surveys_answer_tokens_create",
    summary="A one-time answer token, to answer without an account (rate-limited per address)",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 404, 409, 429),
)
async def answer_token(
    survey: CurrentSurvey,
    ctx: CurrentContext,
    session: SessionDep,
    limiter: RateLimiterDep,
    client_address: ClientAddress,
) -> AnswerTokenRead:
    """Refusals carry a `reason`: `requirements_not_met`, `answers_disabled` (403); `accounts_required`,
    `closed`, `not_open_yet` (409). Past the component's `answer_tokens_per_hour` from one address: 429
    with `Retry-After`."""
    return await tokens.issue(session, ctx, survey, limiter=limiter, client_address=client_address)
