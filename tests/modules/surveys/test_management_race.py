"""Closing races: concurrent closes of one survey close (and seal) it once; answers written by the rule of
``docs/modules/surveys.md`` ("Closing and answering": a conditional UPDATE of the survey's row first)
racing with a close are each either counted and sealed, or refused: none slips in after the seal. On
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.engine import CursorResult

from civicapi.core.db.session import Database
from civicapi.forms.models import Answer, Response
from civicapi.modules.surveys.models import PUBLISHED, Survey
from tests.fixtures.factories import World
from tests.modules.surveys.helpers import SurveyBuilt, insert_survey, make_component, survey_row
from tests.modules.surveys.management_helpers import answered, audit_verbs, ids_of

RACERS = 30


async def test_concurrent_closes_close_and_seal_once(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    survey = await insert_survey(db, comp, anonymous=True)
    await answered(db, survey, 5)
    before = await ids_of(db, survey.form.id)
    url = comp.survey(survey.id) + "/close"
    answers = await asyncio.gather(*(client.post(url, headers=world.headers("admin")) for _ in range(RACERS)))
    assert Counter(r.status_code for r in answers) == {200: 1, 409: RACERS - 1}
    after = await ids_of(db, survey.form.id)
    assert len(after) == len(before) and not after & before
    assert await audit_verbs(db, survey.id) == ["surveys.survey.close"]


async def _answer(db: Database, survey: SurveyBuilt, commune_id: uuid.UUID, i: int) -> uuid.UUID | None:
    """An answer as the answering use case writes it: the survey's row first (counted only while
    published), then the response."""
    await asyncio.sleep(0.002 * (i % 5))
    async with db.unit_of_work() as session:
        stmt = (
            update(Survey)
            .where(Survey.id == survey.id, Survey.status == PUBLISHED)
            .values(answers_count=Survey.answers_count + 1)
            .execution_options(synchronize_session=False)
        )
        counted: CursorResult[Any] = await session.execute(stmt)  # type: ignore[assignment]
        if counted.rowcount != 1:
            return None
        response = Response(commune_id=commune_id, questionnaire_id=survey.form.id, respondent=uuid.uuid4())
        session.add(response)
        await session.flush()
        session.add(
            Answer(
                commune_id=commune_id,
                response_id=response.id,
                question_id=survey.form.questions["name"],
                text=f"{i}",
            )
        )
        return response.id


async def test_answers_racing_with_the_close_are_sealed_or_refused(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    survey = await insert_survey(db, comp, anonymous=True)
    commune_id = (await survey_row(db, survey.id)).commune_id
    url = comp.survey(survey.id) + "/close"

    async def close() -> httpx.Response:
        await asyncio.sleep(0.004)
        return await client.post(url, headers=world.headers("admin"))

    results = await asyncio.gather(close(), *(_answer(db, survey, commune_id, i) for i in range(RACERS)))
    closed, written = results[0], [r for r in results[1:] if r is not None]
    assert isinstance(closed, httpx.Response) and closed.status_code == 200, closed
    row = await survey_row(db, survey.id)
    assert row.status == "closed" and row.answers_count == len(written)
    remaining = await ids_of(db, survey.form.id)
    assert len(remaining) == 2 * len(written)  # each response and its one answer, re-issued
    assert not remaining & set(written)  # every counted answer was there to be sealed
