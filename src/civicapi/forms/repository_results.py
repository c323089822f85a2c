"""The SQL of a questionnaire's results and exports: aggregates computed by the database (``GROUP BY``),
never answers loaded to be counted in Python; test responses are never counted.

Every read is a fixed number of statements, whatever the number of questions: the structure (questions,
options, matrix rows), the per-question aggregates, the medians, the chosen options per (district, age
band) and the responses per (district, age band): the totals and every breakdown are sums of those."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Uuid, and_, cast, func, null, or_, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.pagination import PageParams, decode_cursor, encode_cursor
from civicapi.forms.models import Answer, AnswerChoice, MatrixRow, Option, Question, Questionnaire, Response

DIMENSIONS = {"district": Response.district, "age_band": Response.age_band}
"""The response attributes results may be broken down by."""
ID_SORT = "id"


class ResultsRepository:
    """Reads of one commune's questionnaires' results (a row of another commune does not exist here)."""

    def __init__(self, session: AsyncSession, commune_id: uuid.UUID) -> None:
        self.session = session
        self.commune_id = commune_id

    def _counted(self, questionnaire_id: uuid.UUID) -> ColumnElement[bool]:
        return and_(
            Response.commune_id == self.commune_id,
            Response.questionnaire_id == questionnaire_id,
            Response.is_test.is_(False),
        )

    async def structure(
        self, questionnaire_id: uuid.UUID
    ) -> tuple[list[Question], list[Option], list[MatrixRow]]:
        """The questions in order, and their options and matrix rows in order (three statements)."""
        questions = list(
            (
                await self.session.execute(
                    select(Question)
                    .where(
                        Question.commune_id == self.commune_id, Question.questionnaire_id == questionnaire_id
                    )
                    .order_by(Question.page, Question.position, Question.id)
                )
            ).scalars()
        )
        ids = [q.id for q in questions]
        options = list(
            (
                await self.session.execute(
                    select(Option).where(Option.question_id.in_(ids)).order_by(Option.position, Option.id)
                )
            ).scalars()
        )
        rows = list(
            (
                await self.session.execute(
                    select(MatrixRow)
                    .where(MatrixRow.question_id.in_(ids))
                    .order_by(MatrixRow.position, MatrixRow.id)
                )
            ).scalars()
        )
        return questions, options, rows

    async def per_question(self, questionnaire_id: uuid.UUID) -> dict[uuid.UUID, Any]:
        """Per question: answers, and the count, min, max and mean of numbers and the count, min and max of
        dates (one statement)."""
        stmt = (
            select(
                Answer.question_id,
                func.count(Answer.id).label("answered"),
                func.count(Answer.number).label("numbers"),
                func.min(Answer.number).label("number_min"),
                func.max(Answer.number).label("number_max"),
                func.avg(Answer.number).label("number_mean"),
                func.count(Answer.day).label("days"),
                func.min(Answer.day).label("day_min"),
                func.max(Answer.day).label("day_max"),
            )
            .join(Response, Response.id == Answer.response_id)
            .where(self._counted(questionnaire_id))
            .group_by(Answer.question_id)
        )
        return {row.question_id: row for row in await self.session.execute(stmt)}

    async def medians(self, questionnaire_id: uuid.UUID) -> dict[uuid.UUID, float]:
        """The median number of each number question (one statement; window functions, which SQLite and
        PostgreSQL both have: the middle one or two values of each question's sorted numbers)."""
        ranked = (
            select(
                Answer.question_id,
                Answer.number,
                func.row_number().over(partition_by=Answer.question_id, order_by=Answer.number).label("rn"),
                func.count().over(partition_by=Answer.question_id).label("n"),
            )
            .join(Response, Response.id == Answer.response_id)
            .where(self._counted(questionnaire_id), Answer.number.is_not(None))
            .subquery()
        )
        stmt = (
            select(ranked.c.question_id, func.avg(ranked.c.number))
            .where(or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2))
            .group_by(ranked.c.question_id)
        )
        return {qid: float(value) for qid, value in await self.session.execute(stmt)}

    def _choices(self, questionnaire_id: uuid.UUID, *columns: Any) -> Select[Any]:
        return (
            select(
                *columns,
                Answer.question_id,
                AnswerChoice.matrix_row_id,
                AnswerChoice.option_id,
                func.count(AnswerChoice.id).label("count"),
                func.sum(AnswerChoice.position).label("positions"),
                func.count(AnswerChoice.position).label("ranked"),
            )
            .join(Answer, Answer.id == AnswerChoice.answer_id)
            .join(Response, Response.id == Answer.response_id)
            .where(self._counted(questionnaire_id))
            .group_by(*columns, Answer.question_id, AnswerChoice.matrix_row_id, AnswerChoice.option_id)
        )

    async def choices_by_group(self, questionnaire_id: uuid.UUID) -> list[Any]:
        """Per (district, age band, question, matrix row, option): times chosen, and the sum and number of
        ranks given. One scan of the chosen options serves the totals and every breakdown (summed in
        Python over a few hundred aggregate rows)."""
        columns = [column.label(name) for name, column in DIMENSIONS.items()]
        return list(await self.session.execute(self._choices(questionnaire_id, *columns)))

    async def group_sizes(self, questionnaire_id: uuid.UUID) -> list[Any]:
        """Counted responses per (district, age band): the total and every dimension's group sizes."""
        columns = [column.label(name) for name, column in DIMENSIONS.items()]
        stmt = (
            select(*columns, func.count().label("count"))
            .select_from(Response)
            .where(self._counted(questionnaire_id))
            .group_by(*columns)
        )
        return list(await self.session.execute(stmt))

    def _written(
        self, questionnaire_id: uuid.UUID, question_id: uuid.UUID | None, hidden: bool
    ) -> Select[Any]:
        stmt = (
            select(
                Answer.id,
                Answer.question_id,
                cast(null(), Uuid).label("option_id"),
                Answer.text.label("text"),
                Answer.hidden_at,
            )
            .join(Response, Response.id == Answer.response_id)
            .where(self._counted(questionnaire_id), Answer.text.is_not(None))
        )
        if question_id is not None:
            stmt = stmt.where(Answer.question_id == question_id)
        return stmt if hidden else stmt.where(Answer.hidden_at.is_(None))

    def _free_texts(
        self, questionnaire_id: uuid.UUID, question_id: uuid.UUID | None, hidden: bool
    ) -> Select[Any]:
        stmt: Select[*tuple[Any, ...]] = (
            select(
                AnswerChoice.id,
                Answer.question_id,
                AnswerChoice.option_id,
                AnswerChoice.free_text.label("text"),
                AnswerChoice.hidden_at,
            )
            .join(Answer, Answer.id == AnswerChoice.answer_id)
            .join(Response, Response.id == Answer.response_id)
            .where(
                self._counted(questionnaire_id),
                AnswerChoice.free_text.is_not(None),
                AnswerChoice.free_text != "",
            )
        )
        if question_id is not None:
            stmt = stmt.where(Answer.question_id == question_id)
        return stmt if hidden else stmt.where(AnswerChoice.hidden_at.is_(None))

    async def texts_page(
        self,
        questionnaire_id: uuid.UUID,
        question_id: uuid.UUID | None,
        params: PageParams,
        *,
        include_hidden: bool,
    ) -> tuple[list[Any], str | None]:
        """One page (by id) of the written answers and of the free texts of chosen options ("other: ...")
        together, hidden ones only when asked: rows of ``id, question_id, option_id`` (null for a written
        answer), ``text``, ``hidden_at``."""
        sort = params.sort or ID_SORT  # "id" or "-id" (the route's sorted_by)
        descending = sort.startswith("-")
        both = union_all(
            self._written(questionnaire_id, question_id, include_hidden),
            self._free_texts(questionnaire_id, question_id, include_hidden),
        ).subquery()
        stmt = select(both)
        if params.cursor:
            _, after = decode_cursor(params.cursor, sort, [uuid.UUID, uuid.UUID])
            stmt = stmt.where(both.c.id < after if descending else both.c.id > after)
        order = both.c.id.desc() if descending else both.c.id.asc()
        rows = list(await self.session.execute(stmt.order_by(order).limit(params.limit + 1)))
        if len(rows) <= params.limit:
            return rows, None
        rows = rows[: params.limit]
        return rows, encode_cursor(sort, [rows[-1].id, rows[-1].id])

    async def text_answer(self, questionnaire_id: uuid.UUID, answer_id: uuid.UUID) -> Answer | None:
        """A written answer of the questionnaire (of any response), for moderation."""
        stmt = (
            select(Answer)
            .join(Response, Response.id == Answer.response_id)
            .where(
                Response.commune_id == self.commune_id,
                Response.questionnaire_id == questionnaire_id,
                Answer.id == answer_id,
                Answer.text.is_not(None),
            )
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def free_text(
        self, questionnaire_id: uuid.UUID, choice_id: uuid.UUID
    ) -> tuple[AnswerChoice, uuid.UUID] | None:
        """A chosen option's free text in the questionnaire (of any response), with its question, for
        moderation."""
        stmt = (
            select(AnswerChoice, Answer.question_id)
            .join(Answer, Answer.id == AnswerChoice.answer_id)
            .join(Response, Response.id == Answer.response_id)
            .where(
                Response.commune_id == self.commune_id,
                Response.questionnaire_id == questionnaire_id,
                AnswerChoice.id == choice_id,
                AnswerChoice.free_text.is_not(None),
            )
        )
        found = (await self.session.execute(stmt)).one_or_none()
        return (found[0], found[1]) if found is not None else None

    async def version(
        self, module: str, kind: str, owner_id: uuid.UUID, version: int
    ) -> Questionnaire | None:
        """Version ``version`` of the owner's questionnaire (current or superseded)."""
        stmt = select(Questionnaire).where(
            Questionnaire.commune_id == self.commune_id,
            Questionnaire.owner_module == module,
            Questionnaire.owner_type == kind,
            Questionnaire.owner_id == owner_id,
            Questionnaire.version == version,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    # -- exports ----------------------------------------------------------------------------------------

    async def responses_after(
        self, questionnaire_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[Any]:
        """The next ``limit`` counted responses by (submitted_at, id): id, respondent, submitted_at."""
        stmt = select(Response.id, Response.respondent, Response.submitted_at).where(
            self._counted(questionnaire_id)
        )
        if after is not None:
            at, last = after
            # a row value: both backends seek the (questionnaire, submitted_at, id) index with it
            stmt = stmt.where(tuple_(Response.submitted_at, Response.id) > tuple_(at, last))
        stmt = stmt.order_by(Response.submitted_at, Response.id).limit(limit)
        return list(await self.session.execute(stmt))

    async def answers_of(self, response_ids: Sequence[uuid.UUID]) -> list[Any]:
        stmt = select(
            Answer.id, Answer.response_id, Answer.question_id, Answer.text, Answer.number, Answer.day
        ).where(Answer.commune_id == self.commune_id, Answer.response_id.in_(response_ids))
        return list(await self.session.execute(stmt))

    async def choices_of(self, response_ids: Sequence[uuid.UUID]) -> list[Any]:
        stmt = (
            select(
                Answer.response_id,
                Answer.question_id,
                AnswerChoice.matrix_row_id,
                AnswerChoice.option_id,
                AnswerChoice.position,
                AnswerChoice.free_text,
            )
            .join(Answer, Answer.id == AnswerChoice.answer_id)
            .where(Answer.commune_id == self.commune_id, Answer.response_id.in_(response_ids))
        )
        return list(await self.session.execute(stmt))
