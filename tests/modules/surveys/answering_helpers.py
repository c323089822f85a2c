"""Builders and probes for the answering tests: a component and a survey open for answers, a valid answer
to every question (``tests.forms.submission_probe``), the survey's URLs, and its rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from civicapi.core.db.session import Database
from civicapi.forms.models import Answer, AnswerChoice, Response
from civicapi.identity.verification.models import Verification
from civicapi.modules.surveys.models import AnswerToken, Participant
from tests.fixtures.factories import World
from tests.forms.submission_probe import body, valid_answers
from tests.modules.surveys.helpers import Comp, SurveyBuilt, insert_survey, make_component

__all__ = ["body", "valid_answers"]


@dataclass
class Open:
    comp: Comp
    survey: SurveyBuilt

    @property
    def url(self) -> str:
        return self.comp.survey(self.survey.id)

    @property
    def responses(self) -> str:
        return f"{self.url}/responses"

    @property
    def mine(self) -> str:
        return f"{self.url}/responses/mine"

    @property
    def participation(self) -> str:
        return f"{self.url}/participation"

    @property
    def tokens(self) -> str:
        return f"{self.url}/answer-tokens"

    def answer(self, **extra: Any) -> dict[str, Any]:
        """A valid answer to every question of the survey."""
        return body(self.survey.form, valid_answers(self.survey.form), **extra)


async def open_survey(
    client: httpx.AsyncClient,
    world: World,
    db: Database,
    *,
    settings: dict[str, Any] | None = None,
    step_settings: dict[str, Any] | None = None,
    comp: Comp | None = None,
    slug: str = "consultations",
    **fields: Any,
) -> Open:
    """A published survey, open now, in a new published component in a new process ``slug`` (or
    ``comp``)."""
    if comp is None:
        comp = await make_component(client, world, slug=slug, settings=settings, step_settings=step_settings)
    return Open(comp, await insert_survey(db, comp, **fields))


async def participants(db: Database, survey_id: uuid.UUID) -> list[Participant]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(select(Participant).where(Participant.survey_id == survey_id))
        return list(rows)


async def responses(db: Database, s: Open) -> list[Response]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(
            select(Response).where(Response.questionnaire_id == s.survey.form.id).order_by(Response.id)
        )
        return list(rows)


async def tokens_of(db: Database, survey_id: uuid.UUID) -> list[AnswerToken]:
    async with db.unit_of_work() as session:
        rows = await session.scalars(select(AnswerToken).where(AnswerToken.survey_id == survey_id))
        return list(rows)


async def answers_of(db: Database, response_id: uuid.UUID) -> tuple[list[Answer], list[AnswerChoice]]:
    async with db.unit_of_work() as session:
        answers = list(await session.scalars(select(Answer).where(Answer.response_id == response_id)))
        choices = list(
            await session.scalars(
                select(AnswerChoice).where(AnswerChoice.answer_id.in_([a.id for a in answers]))
            )
        )
        return answers, choices


async def verify(db: Database, world: World, who: str, **meta: Any) -> None:
    """A granted census verification of ``who`` in alpha recording ``meta`` (district, birth_year)."""
    async with db.unit_of_work() as session:
        session.add(
            Verification(
                commune_id=world.alpha.id,
                user_id=world.users[who].id,
                handler="census",
                identity_key=uuid.uuid4().hex,
                meta=meta,
            )
        )
