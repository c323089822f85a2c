"""Statements of the forms capability's submissions: the questionnaire's structure in three queries, a
response written in a constant number of statements (response, answers, choices, count), read back in
two, and a person's responses exported or unlinked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.forms.models import Answer, AnswerChoice, MatrixRow, Option, Question, Questionnaire, Response
from civicapi.forms.validation import CleanAnswer, Structure


async def load_structure(session: AsyncSession, questionnaire: Questionnaire) -> Structure:
    """The questions in order, their options and matrix rows: three queries, whatever their number."""
    questions = (
        await session.scalars(
            select(Question)
            .where(Question.questionnaire_id == questionnaire.id)
            .order_by(Question.page, Question.position, Question.id)
        )
    ).all()
    of_questionnaire = select(Question.id).where(Question.questionnaire_id == questionnaire.id)
    options = (await session.scalars(select(Option).where(Option.question_id.in_(of_questionnaire)))).all()
    rows = (await session.scalars(select(MatrixRow).where(MatrixRow.question_id.in_(of_questionnaire)))).all()
    return Structure(questions, options, rows, has_terms=any(v.strip() for v in questionnaire.terms.values()))


async def count_response(session: AsyncSession, questionnaire_id: uuid.UUID) -> bool:
    """One more response to a current version (a conditional UPDATE: False when it was superseded). The
    row it locks orders this response with a structural edit of the same version, which only happens while
    the count is 0."""
    result = await session.execute(
        update(Questionnaire)
        .where(Questionnaire.id == questionnaire_id, Questionnaire.superseded_at.is_(None))
        .values(responses_count=Questionnaire.responses_count + 1, updated_at=Questionnaire.updated_at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def is_current(session: AsyncSession, questionnaire_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(Questionnaire.id).where(
            Questionnaire.id == questionnaire_id, Questionnaire.superseded_at.is_(None)
        )
    )
    return found is not None


async def insert_response(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(Response).values(**values))


async def insert_answers(
    session: AsyncSession, commune_id: uuid.UUID, response_id: uuid.UUID, answers: Sequence[CleanAnswer]
) -> None:
    """Every answer in one INSERT, every chosen option in another (none when there is nothing to write)."""
    answer_rows: list[dict[str, Any]] = []
    choice_rows: list[dict[str, Any]] = []
    for answer in answers:
        answer_id = uuid.uuid4()
        answer_rows.append(
            {
                "id": answer_id,
                "commune_id": commune_id,
                "response_id": response_id,
                "question_id": answer.question_id,
                "text": answer.text,
                "number": answer.number,
                "day": answer.day,
            }
        )
        choice_rows.extend(
            {
                "id": uuid.uuid4(),
                "commune_id": commune_id,
                "answer_id": answer_id,
                "option_id": c.option_id,
                "matrix_row_id": c.row_id,
                "position": c.position,
                "free_text": c.free_text or None,
            }
            for c in answer.choices
        )
    # render_nulls: one parameter shape for every row, so one executemany (the ORM would batch by which
    # values are null)
    if answer_rows:
        await session.execute(insert(Answer).execution_options(render_nulls=True), answer_rows)
    if choice_rows:
        await session.execute(insert(AnswerChoice).execution_options(render_nulls=True), choice_rows)


async def delete_answers(session: AsyncSession, response_id: uuid.UUID) -> None:
    """A response's answers and their choices (two statements)."""
    of_response = select(Answer.id).where(Answer.response_id == response_id)
    await session.execute(delete(AnswerChoice).where(AnswerChoice.answer_id.in_(of_response)))
    await session.execute(delete(Answer).where(Answer.response_id == response_id))


async def touch_response(session: AsyncSession, response_id: uuid.UUID, at: datetime | None = None) -> None:
    await session.execute(
        update(Response)
        .where(Response.id == response_id)
        .values(updated_at=at or utcnow())
        .execution_options(synchronize_session=False)
    )


async def response_by_id(session: AsyncSession, response_id: uuid.UUID) -> Response | None:
    return await session.scalar(
        select(Response).where(Response.id == response_id).execution_options(populate_existing=True)
    )


async def response_of_user(
    session: AsyncSession, questionnaire_id: uuid.UUID, user_id: uuid.UUID
) -> Response | None:
    """The person's latest response to this version (none for an anonymous questionnaire)."""
    return await session.scalar(
        select(Response)
        .where(Response.questionnaire_id == questionnaire_id, Response.user_id == user_id)
        .order_by(Response.submitted_at.desc(), Response.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def answers_of(
    session: AsyncSession, response_ids: Sequence[uuid.UUID] | Any
) -> tuple[Sequence[Answer], Sequence[AnswerChoice]]:
    """The answers of these responses (ids, or a subquery of them) and their choices: two queries."""
    answers = (
        await session.scalars(select(Answer).where(Answer.response_id.in_(response_ids)).order_by(Answer.id))
    ).all()
    choices = (
        await session.scalars(
            select(AnswerChoice)
            .join(Answer, Answer.id == AnswerChoice.answer_id)
            .where(Answer.response_id.in_(response_ids))
            .order_by(AnswerChoice.position, AnswerChoice.id)
        )
    ).all()
    return answers, choices


def _of_person(user_id: uuid.UUID, owner_module: str | None) -> Any:
    query = select(Response.id).where(Response.user_id == user_id)
    if owner_module is not None:
        query = query.join(Questionnaire, Questionnaire.id == Response.questionnaire_id).where(
            Questionnaire.owner_module == owner_module
        )
    return query


async def responses_of_person(
    session: AsyncSession, user_id: uuid.UUID, owner_module: str | None
) -> Sequence[tuple[Response, Questionnaire]]:
    rows = await session.execute(
        select(Response, Questionnaire)
        .join(Questionnaire, Questionnaire.id == Response.questionnaire_id)
        .where(Response.id.in_(_of_person(user_id, owner_module)))
        .order_by(Response.submitted_at, Response.id)
    )
    return [(row[0], row[1]) for row in rows]


def person_response_ids(user_id: uuid.UUID, owner_module: str | None) -> Any:
    """A subquery of the person's response ids (for :func:`answers_of`)."""
    return _of_person(user_id, owner_module)


async def unlink_person(session: AsyncSession, user_id: uuid.UUID, owner_module: str | None) -> None:
    """Empty ``user_id`` on the person's responses: their content stays, counted, unlinked."""
    await session.execute(
        update(Response)
        .where(Response.id.in_(_of_person(user_id, owner_module)))
        .values(user_id=None)
        .execution_options(synchronize_session=False)
    )
