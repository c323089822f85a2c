"""Builders and probes for the surveys' management tests: responses to a survey's questionnaire written
straight into the tables, the register, and what a survey's responses hold (to compare before and after a
seal)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Uuid, bindparam, select, text, update

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.forms.models import Answer, AnswerChoice, Questionnaire, Response
from civicapi.forms.results import questionnaire_results
from civicapi.identity.models import User
from civicapi.modules.surveys.models import Participant, Survey
from tests.forms.results_helpers import Given, seed_responses
from tests.modules.surveys.helpers import SurveyBuilt


async def answered(db: Database, survey: SurveyBuilt, n: int, *, is_test: bool = False) -> list[Given]:
    """``n`` responses to the survey's questionnaire, each with a register row linking to it (a person of
    its own), counted on the survey unless ``is_test``."""
    async with db.unit_of_work() as session:
        commune_id = (await session.get(Survey, survey.id)).commune_id  # type: ignore[union-attr]
    given = await seed_responses(db, commune_id, survey.form, n, is_test=is_test)
    async with db.unit_of_work() as session:
        for g in given:
            person = await _person(session)
            session.add(
                Participant(commune_id=commune_id, survey_id=survey.id, user_id=person, response_id=g.id)
            )
        if not is_test:
            await session.execute(update(Survey).where(Survey.id == survey.id).values(answers_count=n))
            await session.execute(
                update(Questionnaire).where(Questionnaire.id == survey.form.id).values(responses_count=n)
            )
    return given


async def _person(session: Any) -> uuid.UUID:
    user = User(email=f"{uuid.uuid4().hex[:12]}@people.test", display_name="Person")
    session.add(user)
    await session.flush()
    return user.id


async def links(db: Database, survey_id: uuid.UUID) -> list[uuid.UUID | None]:
    async with db.unit_of_work() as session:
        stmt = select(Participant.response_id).where(Participant.survey_id == survey_id)
        return list((await session.execute(stmt)).scalars().all())


async def ids_of(db: Database, questionnaire_id: uuid.UUID) -> set[uuid.UUID]:
    """Every id of the questionnaire's responses, their answers and chosen options."""
    async with db.unit_of_work() as session:
        responses = select(Response.id).where(Response.questionnaire_id == questionnaire_id)
        answers = select(Answer.id).where(Answer.response_id.in_(responses))
        choices = select(AnswerChoice.id).where(AnswerChoice.answer_id.in_(answers))
        out: set[uuid.UUID] = set()
        for stmt in (responses, answers, choices):
            out |= set((await session.execute(stmt)).scalars().all())
        return out


async def results(db: Database, questionnaire_id: uuid.UUID) -> dict[str, Any]:
    async with db.unit_of_work() as session:
        questionnaire = await session.get(Questionnaire, questionnaire_id)
        assert questionnaire is not None
        return (await questionnaire_results(session, questionnaire, published=True)).model_dump(mode="json")


async def names_in_table_order(db: Database, name_question: uuid.UUID) -> list[str]:
    """The "name" answers of the responses in the order the responses lie in their table (``ctid`` on
    PostgreSQL, ``rowid`` on SQLite): what an attacker reading the rows would see."""
    async with db.unit_of_work() as session:
        place = "r.ctid" if session.get_bind().dialect.name == "postgresql" else "r.rowid"
        stmt = text(
            "SELECT a.text FROM forms_response r JOIN forms_answer a ON a.response_id = r.id "
            f"WHERE a.question_id = :q ORDER BY {place}"
        ).bindparams(bindparam("q", type_=Uuid))
        return [row[0] for row in (await session.execute(stmt, {"q": name_question})).all()]


async def audit_verbs(db: Database, survey_id: uuid.UUID | str) -> list[str]:
    async with db.unit_of_work() as session:
        stmt = (
            select(AuditEntry.action)
            .where(AuditEntry.resource_id == uuid.UUID(str(survey_id)))
            .order_by(AuditEntry.created_at, AuditEntry.id)
        )
        return list((await session.execute(stmt)).scalars().all())
