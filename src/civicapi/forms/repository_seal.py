"""SQL of sealing an owner's responses: each response, its answers and their chosen options copied under
new random ids by ``INSERT ... SELECT`` statements joined to a mapping (old id, new id, new respondent,
position) sent as a table of values, a chunk of responses at a time, then the old rows deleted (their
answers and choices go with them: the foreign keys cascade). Nothing travels through Python but the
responses' ids. The new rows are written in the mapping's order, so where they lie in the table (``ctid``,
``rowid``) says nothing of the order the responses came in.

A response's new id and respondent come from Python (:func:`uuid.uuid4`, the operating system's random
source); its answers' and choices' new ids from the database's own (``gen_random_uuid()`` on PostgreSQL,
``randomblob(16)`` on SQLite): their old ids are never read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Integer,
    Uuid,
    and_,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    values,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Executable

from civicapi.forms.models import Answer, AnswerChoice, Response

CHUNK = 5000
"""Responses per statement: 4 bound values each, under every database's limit of bound values."""
PARTITION = 1000

_RESPONSES = Response.metadata.tables[Response.__tablename__]
_ANSWERS = Answer.metadata.tables[Answer.__tablename__]
_CHOICES = AnswerChoice.metadata.tables[AnswerChoice.__tablename__]
NO_SYNC = {"synchronize_session": False}


def _random_id(dialect: str) -> ColumnElement[Any]:
    """A new random id computed by the database, for each row a statement inserts."""
    if dialect == "postgresql":
        return func.gen_random_uuid()
    return literal_column("lower(hex(randomblob(16)))", Uuid)


def _reissue(m: Any, dialect: str) -> tuple[Executable, ...]:
    """The responses, then their answers, then their choices, of the mapping ``m`` (``old``, ``new``,
    ``respondent``, ``n``) copied in ``n`` order."""
    commune_id = bindparam("commune_id", type_=Uuid)
    r, a, c = _RESPONSES.c, _ANSWERS.c, _CHOICES.c
    responses = (
        select(
            m.c.new,
            r.commune_id,
            r.questionnaire_id,
            r.user_id,
            m.c.respondent,
            r.district,
            r.age_band,
            r.is_test,
            r.submitted_at,
            r.updated_at,
        )
        .join(m, m.c.old == r.id)
        .where(r.commune_id == commune_id)
        .order_by(m.c.n)
    )
    answers = (
        select(
            _random_id(dialect), a.commune_id, m.c.new, a.question_id, a.text, a.number, a.day, a.hidden_at
        )
        .join(m, m.c.old == a.response_id)
        .where(a.commune_id == commune_id)
        .order_by(m.c.n, a.question_id)
    )
    old_answer = _ANSWERS.alias("old_answer")
    new_answer = _ANSWERS.alias("new_answer")
    choices = (
        select(
            _random_id(dialect),
            c.commune_id,
            new_answer.c.id,
            c.option_id,
            c.matrix_row_id,
            c.position,
            c.free_text,
        )
        .join(old_answer, old_answer.c.id == c.answer_id)
        .join(m, m.c.old == old_answer.c.response_id)
        .join(
            new_answer,
            and_(new_answer.c.response_id == m.c.new, new_answer.c.question_id == old_answer.c.question_id),
        )
        .where(c.commune_id == commune_id)
        .order_by(m.c.n, old_answer.c.question_id, c.option_id, c.matrix_row_id)
    )
    response_columns = ["id", "commune_id", "questionnaire_id", "user_id", "respondent", "district"]
    response_columns += ["age_band", "is_test", "submitted_at", "updated_at"]
    answer_columns = ["id", "commune_id", "response_id", "question_id", "text", "number", "day", "hidden_at"]
    choice_columns = ["id", "commune_id", "answer_id", "option_id", "matrix_row_id", "position", "free_text"]
    return (
        insert(_RESPONSES).from_select(response_columns, responses),
        insert(_ANSWERS).from_select(answer_columns, answers),
        insert(_CHOICES).from_select(choice_columns, choices),
    )


class SealRepository:
    """The responses of some questionnaires of one commune."""

    def __init__(self, session: AsyncSession, commune_id: uuid.UUID) -> None:
        self.session = session
        self.commune_id = commune_id

    async def response_ids(self, questionnaire_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        if not questionnaire_ids:
            return []
        stmt = select(Response.id).where(
            Response.commune_id == self.commune_id, Response.questionnaire_id.in_(list(questionnaire_ids))
        )
        found: list[uuid.UUID] = []
        async for partition in (await self.session.stream_scalars(stmt)).partitions(PARTITION):
            found.extend(partition)
        return found

    async def reissue(self, order: Sequence[uuid.UUID]) -> None:
        """Copy the responses ``order`` (with their answers and choices) under new random ids and new
        random respondents, written in that order; then delete the originals. A chunk at a time."""
        bind = self.session.get_bind()
        dialect = bind.dialect.name
        for start in range(0, len(order), CHUNK):
            old = order[start : start + CHUNK]
            rows = [(o, uuid.uuid4(), uuid.uuid4(), start + i) for i, o in enumerate(old)]
            table = values(
                column("old", Uuid),
                column("new", Uuid),
                column("respondent", Uuid),
                column("n", Integer),
                name="reissued",
            )
            mapping = table.data(rows).cte("reissued")
            for statement in _reissue(mapping, dialect):
                await self.session.execute(statement, {"commune_id": self.commune_id})
            await self.session.execute(
                delete(Response).where(Response.commune_id == self.commune_id, Response.id.in_(list(old))),
                execution_options=NO_SYNC,
            )
