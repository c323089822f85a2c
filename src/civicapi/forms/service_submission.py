"""Submitting, editing and reading responses to a questionnaire, and a person's responses in their data
export and erasure. Modules call these with the questionnaire they resolved and the caller they checked
(``Answerer``); the forms capability owns neither the resource nor its rights. Services never commit."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.forms import repository_submission as repo
from civicapi.forms.exceptions import InvalidResponse, QuestionnaireSuperseded, ResponseNotFound
from civicapi.forms.models import Answer, AnswerChoice, Questionnaire, Response
from civicapi.forms.schemas_submission import AnswerRead, ChoiceRead, ResponseRead, SubmissionIn
from civicapi.forms.validation import CleanAnswer, validate


@dataclass(frozen=True, slots=True)
class Answerer:
    """Who answers, as the owning module decided: ``user_id`` None for an anonymous questionnaire or an
    answer without an account; ``respondent`` a pseudonym the module keeps (None: a new one); ``district``
    and ``age_band`` from the person's verification (for results' breakdowns); ``is_test`` before the
    owner is published (not counted); ``coarse_times`` for an anonymous questionnaire: the response's times
    are kept to the day only, so that no time joins it to anything else the answerer left."""

    user_id: uuid.UUID | None = None
    respondent: uuid.UUID | None = None
    district: str | None = None
    age_band: str | None = None
    is_test: bool = False
    coarse_times: bool = False


def day_of(moment: datetime) -> datetime:
    """The start of the (UTC) day of ``moment``: the time kept of an anonymous response."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


async def _validated(
    session: AsyncSession, questionnaire: Questionnaire, submission: SubmissionIn
) -> list[CleanAnswer]:
    structure = await repo.load_structure(session, questionnaire)
    problems, clean = validate(structure, submission)
    if problems:
        raise InvalidResponse(problems)
    return clean


async def submit(
    session: AsyncSession, questionnaire: Questionnaire, submission: SubmissionIn, answerer: Answerer
) -> ResponseRead:
    """Store a response after judging it whole (422 ``forms-invalid-response`` listing every problem,
    nothing written; 409 ``forms-questionnaire-superseded`` on an old version). A constant number of
    statements whatever the number of questions: count, structure (3), response, answers, choices. One
    answer per person is the owning module's rule (it holds who has answered)."""
    if answerer.is_test:
        current = await repo.is_current(session, questionnaire.id)
    else:
        current = await repo.count_response(session, questionnaire.id)  # first: orders structural edits
    if not current:
        raise QuestionnaireSuperseded()
    clean = await _validated(session, questionnaire, submission)
    now = day_of(utcnow()) if answerer.coarse_times else utcnow()
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "commune_id": questionnaire.commune_id,
        "questionnaire_id": questionnaire.id,
        "user_id": answerer.user_id,
        "respondent": answerer.respondent or uuid.uuid4(),
        "district": answerer.district,
        "age_band": answerer.age_band,
        "is_test": answerer.is_test,
        "submitted_at": now,
        "updated_at": now,
    }
    await repo.insert_response(session, values)
    await repo.insert_answers(session, questionnaire.commune_id, values["id"], clean)
    return ResponseRead(
        id=values["id"],
        questionnaire_id=questionnaire.id,
        version=questionnaire.version,
        respondent=values["respondent"],
        submitted_at=now,
        updated_at=now,
        answers=[_clean_read(a) for a in clean],
    )


async def replace(
    session: AsyncSession,
    questionnaire: Questionnaire,
    response: Response,
    submission: SubmissionIn,
    *,
    coarse_times: bool = False,
) -> ResponseRead:
    """Edit a response: judged whole like a new one, its answers replaced; same respondent, same count.
    ``coarse_times``: its new ``updated_at`` kept to the day (an anonymous questionnaire)."""
    if response.questionnaire_id != questionnaire.id:
        raise ResponseNotFound()
    clean = await _validated(session, questionnaire, submission)
    now = day_of(utcnow()) if coarse_times else utcnow()
    await repo.delete_answers(session, response.id)
    await repo.insert_answers(session, questionnaire.commune_id, response.id, clean)
    await repo.touch_response(session, response.id, now)
    return ResponseRead(
        id=response.id,
        questionnaire_id=questionnaire.id,
        version=questionnaire.version,
        respondent=response.respondent,
        submitted_at=response.submitted_at,
        updated_at=now,
        answers=[_clean_read(a) for a in clean],
    )


async def own_response(session: AsyncSession, questionnaire: Questionnaire, user_id: uuid.UUID) -> Response:
    """The person's response to this version (404 ``forms-response-not-found``)."""
    found = await repo.response_of_user(session, questionnaire.id, user_id)
    if found is None:
        raise ResponseNotFound()
    return found


async def response_of(
    session: AsyncSession, questionnaire: Questionnaire, user_id: uuid.UUID
) -> ResponseRead:
    """The person's own response with its answers (three queries)."""
    response = await own_response(session, questionnaire, user_id)
    return await read(session, questionnaire, response)


async def response_by_id(
    session: AsyncSession, questionnaire: Questionnaire, response_id: uuid.UUID
) -> Response:
    """A response to this version that the owning module linked to its answerer itself (an anonymous
    questionnaire's responses carry no account); 404 ``forms-response-not-found``."""
    found = await repo.response_by_id(session, response_id)
    if found is None or found.questionnaire_id != questionnaire.id:
        raise ResponseNotFound()
    return found


async def read(session: AsyncSession, questionnaire: Questionnaire, response: Response) -> ResponseRead:
    """A response of this version with its answers (two queries)."""
    answers, choices = await repo.answers_of(session, [response.id])
    return _present(response, questionnaire.version, answers, choices)


async def erase_person(session: AsyncSession, user_id: uuid.UUID, *, owner_module: str | None = None) -> None:
    """Unlink the person from their responses (of ``owner_module``'s questionnaires, or all): the answers
    stay, counted, under their pseudonymous respondent. Fits ``CivicModule.erase_personal_data``."""
    await repo.unlink_person(session, user_id, owner_module)


async def export_person(
    session: AsyncSession, user_id: uuid.UUID, *, owner_module: str | None = None
) -> dict[str, Any]:
    """The person's responses (anonymous ones are linked to nobody, so never here) with their answers, as
    JSON: ``{"responses": [{"owner": {module, type, id}, "version", ...answers}]}``. Four queries."""
    pairs = await repo.responses_of_person(session, user_id, owner_module)
    answers, choices = await repo.answers_of(session, repo.person_response_ids(user_id, owner_module))
    by_response: dict[uuid.UUID, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_response[answer.response_id].append(answer)
    out = []
    for response, questionnaire in pairs:
        read = _present(response, questionnaire.version, by_response[response.id], choices)
        owner = {"module": questionnaire.owner_module, "type": questionnaire.owner_type}
        out.append({"owner": {**owner, "id": str(questionnaire.owner_id)}, **read.model_dump(mode="json")})
    return {"responses": out}


def _clean_read(answer: CleanAnswer) -> AnswerRead:
    return AnswerRead(
        question_id=answer.question_id,
        text=answer.text,
        number=answer.number,
        date=answer.day,
        choices=[
            ChoiceRead(
                option_id=c.option_id, row_id=c.row_id, position=c.position, free_text=c.free_text or None
            )
            for c in answer.choices
        ],
    )


def _present(
    response: Response, version: int, answers: Sequence[Answer], choices: Sequence[AnswerChoice]
) -> ResponseRead:
    chosen: dict[uuid.UUID, list[ChoiceRead]] = defaultdict(list)
    for c in choices:
        chosen[c.answer_id].append(
            ChoiceRead(
                option_id=c.option_id, row_id=c.matrix_row_id, position=c.position, free_text=c.free_text
            )
        )
    return ResponseRead(
        id=response.id,
        questionnaire_id=response.questionnaire_id,
        version=version,
        respondent=response.respondent,
        submitted_at=response.submitted_at,
        updated_at=response.updated_at,
        answers=[
            AnswerRead(
                question_id=a.question_id, text=a.text, number=a.number, date=a.day, choices=chosen[a.id]
            )
            for a in answers
        ],
    )
