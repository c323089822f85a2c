"""Builders for the surveys' results tests: a surveys component with a survey of every question type,
answers written straight to the tables (bulk) or through the forms capability's ``submit``, and the audit
entries of a survey."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.forms import service_submission
from civicapi.forms.models import Questionnaire
from civicapi.forms.schemas_submission import SubmissionIn
from civicapi.forms.service_submission import Answerer
from tests.fixtures.factories import World
from tests.modules.surveys.helpers import Comp, SurveyBuilt, insert_survey, make_component


@dataclass
class Setup:
    comp: Comp
    survey: SurveyBuilt

    @property
    def url(self) -> str:
        return self.comp.survey(self.survey.id)


async def survey_setup(client: httpx.AsyncClient, world: World, db: Database, **fields: Any) -> Setup:
    comp = await make_component(client, world)
    return Setup(comp, await insert_survey(db, comp, **fields))


async def submit_other(
    db: Database, built: SurveyBuilt, texts: list[str], *, answerer: Answerer | None = None
) -> None:
    """One response per text, through ``forms.service_submission.submit``: the single choice's "other"
    option with that free text, and the mandatory name."""
    form = built.form
    async with db.unit_of_work() as session:
        questionnaire = await session.get(Questionnaire, form.id)
        assert questionnaire is not None
        for text in texts:
            submission = SubmissionIn.model_validate(
                {
                    "answers": [
                        {"question_id": form.questions["name"], "text": "Someone"},
                        {
                            "question_id": form.questions["use"],
                            "choices": [{"option_id": form.options["use"][2], "free_text": text}],
                        },
                    ]
                }
            )
            await service_submission.submit(session, questionnaire, submission, answerer or Answerer())


async def audit_of(db: Database, survey_id: uuid.UUID, action: str) -> list[AuditEntry]:
    async with db.unit_of_work() as session:
        stmt = (
            select(AuditEntry)
            .where(AuditEntry.resource_id == survey_id, AuditEntry.action == action)
            .order_by(AuditEntry.created_at)
        )
        return list((await session.execute(stmt)).scalars())
