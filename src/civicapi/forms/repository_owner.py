"""Statements on everything an owner's questionnaires hold, for the module that owns them: deleting them
(every version, with their questions and responses), deleting their test responses, counting the
questions that take an answer."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.forms.models import TITLE_AND_DESCRIPTION, Question, Questionnaire, Response

NO_SYNC = {"synchronize_session": False}


def _of_owner(commune_id: uuid.UUID, module: str, kind: str, owner_id: uuid.UUID) -> Any:
    return select(Questionnaire.id).where(
        Questionnaire.commune_id == commune_id,
        Questionnaire.owner_module == module,
        Questionnaire.owner_type == kind,
        Questionnaire.owner_id == owner_id,
    )


async def questionnaire_ids(
    session: AsyncSession, commune_id: uuid.UUID, module: str, kind: str, owner_id: uuid.UUID
) -> list[uuid.UUID]:
    """Every version of the owner's questionnaire, oldest first."""
    stmt = _of_owner(commune_id, module, kind, owner_id).order_by(Questionnaire.version)
    return list((await session.execute(stmt)).scalars().all())


async def delete_questionnaires(session: AsyncSession, commune_id: uuid.UUID, ids: list[uuid.UUID]) -> None:
    """Delete these questionnaires; their questions, options, rows and responses go with them (the
    foreign keys cascade)."""
    if ids:
        stmt = delete(Questionnaire).where(Questionnaire.commune_id == commune_id, Questionnaire.id.in_(ids))
        await session.execute(stmt, execution_options=NO_SYNC)


async def delete_test_responses(session: AsyncSession, commune_id: uuid.UUID, ids: list[uuid.UUID]) -> int:
    """Delete the test responses of these questionnaires (with their answers and chosen options, by the
    cascading foreign keys); how many."""
    if not ids:
        return 0
    stmt = delete(Response).where(
        Response.commune_id == commune_id, Response.questionnaire_id.in_(ids), Response.is_test.is_(True)
    )
    result: CursorResult[Any] = await session.execute(stmt, execution_options=NO_SYNC)  # type: ignore[assignment]
    return int(result.rowcount)


async def answerable_questions(session: AsyncSession, questionnaire_id: uuid.UUID) -> int:
    """The questionnaire's questions that take an answer (all but titles-and-descriptions)."""
    stmt = select(func.count()).where(
        Question.questionnaire_id == questionnaire_id, Question.question_type != TITLE_AND_DESCRIPTION
    )
    return int((await session.execute(stmt)).scalar_one())
