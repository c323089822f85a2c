"""A person's own answer: whether they answered (``participation``), reading it and changing it while the
survey allows editing. For an anonymous survey the only link from a person to their response is the
register's ``response_id``, kept only while the answer may be edited."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.errors import Unauthorized
from civicapi.forms import service_submission as forms
from civicapi.forms.exceptions import ResponseNotFound
from civicapi.forms.models import Response
from civicapi.forms.schemas_submission import ResponseRead, SubmissionIn
from civicapi.modules.surveys.answering.dependencies import Answering
from civicapi.modules.surveys.answering.repository import Register, count_answer
from civicapi.modules.surveys.answering.rules import still_editable
from civicapi.modules.surveys.answering.schemas import ParticipationRead
from civicapi.modules.surveys.common.reading import Viewer
from civicapi.modules.surveys.exceptions import SurveysConflict
from civicapi.modules.surveys.models import Survey
from civicapi.modules.surveys.settings import ComponentContext


def _person(viewer: Viewer) -> Viewer:
    if viewer.user_id is None:
        raise Unauthorized("log in: a person's own answer")
    return viewer


async def participation(
    session: AsyncSession, ctx: ComponentContext, survey: Survey, viewer: Viewer
) -> ParticipationRead:
    """Whether the signed-in person answered, how many times, and whether they may still edit."""
    user_id = _person(viewer).user_id
    assert user_id is not None
    found = await Register(session, ctx.commune_id).of(survey.id, user_id)
    if found is None:
        return ParticipationRead(answered=False, answers=0, can_edit=False)
    linked = found.response_id is not None or not survey.anonymous
    return ParticipationRead(
        answered=True, answers=found.answers, can_edit=linked and still_editable(survey, utcnow())
    )


async def _mine(session: AsyncSession, target: Answering) -> Response:
    """The person's response: by the register's link where it is kept, else by their account (not for
    an anonymous survey: nothing links them to it); 404 ``forms-response-not-found``."""
    ctx, survey, questionnaire = target.ctx, target.survey, target.questionnaire
    user_id = _person(target.viewer).user_id
    assert user_id is not None
    found = await Register(session, ctx.commune_id).of(survey.id, user_id)
    if found is not None and found.response_id is not None:
        return await forms.response_by_id(session, questionnaire, found.response_id)
    if survey.anonymous or found is None:
        raise ResponseNotFound()
    return await forms.own_response(session, questionnaire, user_id)


async def read_mine(session: AsyncSession, target: Answering) -> ResponseRead:
    response = await _mine(session, target)
    return await forms.read(session, target.questionnaire, response)


async def edit_mine(session: AsyncSession, target: Answering, body: SubmissionIn) -> ResponseRead:
    """Replace the person's answer (judged whole again, the count unchanged): 409 ``editing_not_allowed``
    on a survey without editing, ``closed`` once it is closed or its window ended; the survey's row is
    locked first (as an answer does), which orders the edit with the close."""
    survey = target.survey
    _person(target.viewer)
    if not survey.allow_editing:
        raise SurveysConflict("this survey does not allow changing an answer", reason="editing_not_allowed")
    if not still_editable(survey, utcnow()) or not await count_answer(session, survey.id, 0):
        raise SurveysConflict("the survey is closed", reason="closed")
    response = await _mine(session, target)
    return await forms.replace(session, target.questionnaire, response, body, coarse_times=survey.anonymous)
