"""Answering a survey: one answer per person (the register's unique row, race-free), several where the
survey allows, anonymous answers kept apart from who gave them, test answers to a draft, answers with a
one-time token instead of an account, and ``Idempotency-Key`` replays.

In one transaction, in this order: the survey's count (a conditional UPDATE on a published survey, which
orders answers with the close), the token spent (answers without an account), the response (forms
capability: judged whole, nothing written when refused), the register row."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.errors import Unauthorized
from civicapi.forms import service_submission as forms
from civicapi.forms.models import Questionnaire
from civicapi.forms.schemas_submission import ResponseRead, SubmissionIn
from civicapi.forms.service_submission import Answerer
from civicapi.modules.surveys.answering.dependencies import Answering
from civicapi.modules.surveys.answering.repository import Register, Tokens, count_answer
from civicapi.modules.surveys.answering.rules import breakdown_attributes, key_hash, refuse_unless_open
from civicapi.modules.surveys.answering.schemas import ParticipationRead
from civicapi.modules.surveys.exceptions import SurveysActionForbidden, SurveysConflict
from civicapi.modules.surveys.models import DRAFT, Participant, Survey
from civicapi.modules.surveys.settings import ComponentContext
from civicapi.spaces import kit

ATTEMPTS = 2
"""A person answering twice at once where several answers are allowed: the second insert of the register
row fails, and is retried as one more answer."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an answer gave: the response, or (a replay of an anonymous answer that nothing links to
    any more) a receipt without the answers."""

    response: ResponseRead | None
    receipt: ParticipationRead | None = None
    replayed: bool = False


async def answer(
    session: AsyncSession,
    target: Answering,
    body: SubmissionIn,
    *,
    idempotency_key: str | None = None,
    answer_token: str | None = None,
) -> Outcome:
    """A new response (see the module's docstring for the order of the writes). Refusals: 401 without an
    account or a token; 403 ``answers_disabled``, ``requirements_not_met``, ``invalid_token``; 409
    ``closed``, ``not_open_yet``, ``already_answered``, ``token_used``; 422 ``forms-invalid-response``."""
    ctx, survey, questionnaire, viewer = target.ctx, target.survey, target.questionnaire, target.viewer
    if answer_token is not None:
        return Outcome(await _answer_with_token(session, ctx, survey, questionnaire, body, answer_token))
    if viewer.user_id is None:
        raise Unauthorized("log in, or answer with an answer token where the survey takes them")
    if survey.status == DRAFT:  # only its managers see it: a test answer, not counted, no register row
        who = Answerer(user_id=None if survey.anonymous else viewer.user_id, is_test=True)
        return Outcome(await forms.submit(session, questionnaire, body, who))
    register = Register(session, ctx.commune_id)
    hashed = key_hash(idempotency_key)
    existing = await register.of(survey.id, viewer.user_id)
    if existing is not None and hashed is not None and existing.idempotency_key == hashed:
        return await _replay(session, survey, questionnaire, existing, viewer.user_id)
    now = utcnow()
    refuse_unless_open(ctx, survey, now)
    await kit.require_verifications(
        session, ctx, viewer.user_id, ctx.settings.answer_requirements, forbidden=SurveysActionForbidden
    )
    district, band = await breakdown_attributes(session, ctx, viewer.user_id, now)
    who = Answerer(
        user_id=None if survey.anonymous else viewer.user_id,
        district=district,
        age_band=band,
        coarse_times=survey.anonymous,
    )
    for _ in range(ATTEMPTS):
        if existing is not None and not survey.multiple_answers:
            raise _already_answered(ctx, survey)
        try:
            async with session.begin_nested():
                response = await _count_and_submit(session, survey, questionnaire, body, who)
                link = response.id if survey.allow_editing else None
                if existing is None:
                    await register.add(survey.id, viewer.user_id, response_id=link, idempotency_key=hashed)
                else:
                    await register.count_again(existing.id, response_id=link, idempotency_key=hashed)
        except IntegrityError:  # the same person, racing: registered meanwhile
            existing = await register.of(survey.id, viewer.user_id)
            if existing is not None and hashed is not None and existing.idempotency_key == hashed:
                return await _replay(session, survey, questionnaire, existing, viewer.user_id)
            continue
        return Outcome(response)
    raise _already_answered(ctx, survey)


async def _count_and_submit(
    session: AsyncSession, survey: Survey, questionnaire: Questionnaire, body: SubmissionIn, who: Answerer
) -> ResponseRead:
    if not await count_answer(session, survey.id):
        raise SurveysConflict("the survey is closed", reason="closed")
    return await forms.submit(session, questionnaire, body, who)


async def _answer_with_token(
    session: AsyncSession,
    ctx: ComponentContext,
    survey: Survey,
    questionnaire: Questionnaire,
    body: SubmissionIn,
    token: str,
) -> ResponseRead:
    """An answer without an account: the token is spent (a conditional UPDATE) with the response, in one
    transaction; the response carries no account."""
    refuse_without_account(ctx, survey)
    now = utcnow()
    refuse_unless_open(ctx, survey, now)
    tokens = Tokens(session, ctx.commune_id)
    hashed = key_hash(token)
    assert hashed is not None
    async with session.begin_nested():
        if not await count_answer(session, survey.id):
            raise SurveysConflict("the survey is closed", reason="closed")
        if not await tokens.spend(survey.id, hashed, now):
            if await tokens.was_used(survey.id, hashed):
                raise SurveysConflict("this answer token was used already", reason="token_used")
            raise SurveysActionForbidden("unknown or expired answer token", reason="invalid_token")
        return await forms.submit(session, questionnaire, body, Answerer(coarse_times=survey.anonymous))


def refuse_without_account(ctx: ComponentContext, survey: Survey) -> None:
    """409 ``accounts_required`` when the survey takes answers from accounts only; 403
    ``requirements_not_met`` when the component asks for verifications (a token proves none)."""
    if not survey.answers_without_account:
        raise SurveysConflict("this survey takes answers from accounts only", reason="accounts_required")
    if ctx.settings.answer_requirements:
        raise SurveysActionForbidden(
            "the component asks for verifications: log in to answer", reason="requirements_not_met"
        )


def _already_answered(ctx: ComponentContext, survey: Survey) -> SurveysConflict:
    edit = ctx.url_of("surveys", survey.id, "responses", "mine") if survey.allow_editing else None
    return SurveysConflict("you have answered this survey already", reason="already_answered", edit=edit)


async def _replay(
    session: AsyncSession,
    survey: Survey,
    questionnaire: Questionnaire,
    participant: Participant,
    user_id: uuid.UUID,
) -> Outcome:
    """The first outcome again: the person's response where something links them to it (their account,
    or the register's link while it may be edited); else a receipt (an anonymous answer: after the close,
    or when it may not be edited, nothing says which response is theirs)."""
    receipt = ParticipationRead(answered=True, answers=participant.answers, can_edit=False)
    if participant.response_id is not None:
        response = await forms.response_by_id(session, questionnaire, participant.response_id)
        return Outcome(await forms.read(session, questionnaire, response), replayed=True)
    if not survey.anonymous:
        return Outcome(await forms.response_of(session, questionnaire, user_id), replayed=True)
    return Outcome(None, receipt=receipt, replayed=True)
