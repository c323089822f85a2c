"""Queries of questionnaire definitions: an owner's current questionnaire, its questions, options and
rows in order, and the two conditional UPDATEs that keep a structure from changing under a response."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.engine import CursorResult

from civicapi.core.db.base import utcnow
from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.forms.models import MatrixRow, Option, Question, Questionnaire

M = TypeVar("M", Option, MatrixRow)


class QuestionnaireRepository(CommuneScopedRepository[Questionnaire]):
    model = Questionnaire
    resource_name = "questionnaire"

    async def current(self, module: str, kind: str, owner_id: uuid.UUID) -> Questionnaire | None:
        """The owner's questionnaire that is not superseded (at most one)."""
        return await self.first(
            self.base_statement().where(
                Questionnaire.owner_module == module,
                Questionnaire.owner_type == kind,
                Questionnaire.owner_id == owner_id,
                Questionnaire.superseded_at.is_(None),
            )
        )

    async def claim_structure(self, questionnaire_id: uuid.UUID) -> bool:
        """Touch the questionnaire if it has no response (a row lock until the commit, where the database
        has them): a first response counted before this answers False; one counted after waits."""
        stmt = (
            update(Questionnaire)
            .where(Questionnaire.id == questionnaire_id, Questionnaire.responses_count == 0)
            .values(updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        result: CursorResult[Any] = await self.session.execute(stmt)  # type: ignore[assignment]
        return result.rowcount == 1

    async def supersede(self, questionnaire_id: uuid.UUID) -> bool:
        """Mark the questionnaire superseded, if no one did first."""
        stmt = (
            update(Questionnaire)
            .where(Questionnaire.id == questionnaire_id, Questionnaire.superseded_at.is_(None))
            .values(superseded_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        result: CursorResult[Any] = await self.session.execute(stmt)  # type: ignore[assignment]
        return result.rowcount == 1


class QuestionRepository(CommuneScopedRepository[Question]):
    model = Question
    resource_name = "question"

    async def of(self, questionnaire_id: uuid.UUID) -> list[Question]:
        """The questionnaire's questions in its order: by page, then position."""
        return await self.all(
            self.base_statement()
            .where(Question.questionnaire_id == questionnaire_id)
            .order_by(Question.page, Question.position, Question.id)
        )


class _PartRepository(CommuneScopedRepository[M]):
    """Options or matrix rows: those of some questions, in order."""

    async def of(self, question_ids: Collection[uuid.UUID]) -> list[M]:
        if not question_ids:
            return []
        model = self.model
        return await self.all(
            self.base_statement()
            .where(model.question_id.in_(question_ids))
            .order_by(model.question_id, model.position, model.id)
        )


class OptionRepository(_PartRepository[Option]):
    model = Option
    resource_name = "option"


class RowRepository(_PartRepository[MatrixRow]):
    model = MatrixRow
    resource_name = "matrix row"
