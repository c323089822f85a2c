"""One's own answer: read it, change it while the survey allows (judged whole again, the count unchanged),
not after the close or the window's end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from civicapi.core.db.session import Database
from civicapi.modules.surveys.models import Survey
from tests.fixtures.factories import World
from tests.modules.surveys.answering_helpers import body, open_survey, responses, valid_answers
from tests.modules.surveys.helpers import assert_problem, count_rows, survey_row

CONFLICT = "/problems/surveys-conflict"


async def _set(db: Database, survey_id: object, **values: object) -> None:
    async with db.unit_of_work() as session:
        await session.execute(update(Survey).where(Survey.id == survey_id).values(**values))


async def test_an_answer_is_changed_until_the_survey_closes(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = (await open_survey(client, world, db)).comp
    h = world.headers("participant")
    for anonymous in (False, True):
        s = await open_survey(client, world, db, comp=comp, allow_editing=True, anonymous=anonymous)
        first = (await client.post(s.responses, json=s.answer(), headers=h)).json()
        assert (await client.get(s.participation, headers=h)).json() == {
            "answered": True,
            "answers": 1,
            "can_edit": True,
        }
        mine = await client.get(s.mine, headers=h)
        assert mine.status_code == 200 and mine.json()["id"] == first["id"]

        answers = valid_answers(s.survey.form)
        answers["name"] = {"text": "Jeanne"}
        r = await client.put(s.mine, json=body(s.survey.form, answers), headers=h)
        assert r.status_code == 200, r.text
        [response] = await responses(db, s)
        assert (str(response.id), str(response.respondent)) == (first["id"], first["respondent"])
        named = [a for a in (await client.get(s.mine, headers=h)).json()["answers"] if a["text"] == "Jeanne"]
        assert len(named) == 1
        if anonymous:
            assert (response.updated_at.hour, response.updated_at.minute, response.updated_at.second) == (
                0,
                0,
                0,
            )
        assert (await survey_row(db, s.survey.id)).answers_count == 1

        # a bad edit changes nothing
        before = await count_rows(db)
        answers["age"] = {"number": 500}
        r = await client.put(s.mine, json=body(s.survey.form, answers), headers=h)
        assert_problem(r, 422, type_="/problems/forms-invalid-response")
        assert await count_rows(db) == before

        # someone who has not answered has nothing to edit
        r = await client.put(s.mine, json=s.answer(), headers=world.headers("staff"))
        assert_problem(r, 404)

        await _set(db, s.survey.id, ends_at=datetime.now(UTC) - timedelta(seconds=1))
        r = await client.put(s.mine, json=s.answer(), headers=h)
        assert assert_problem(r, 409, type_=CONFLICT)["reason"] == "closed"
        assert (await client.get(s.participation, headers=h)).json()["can_edit"] is False
        await _set(db, s.survey.id, ends_at=None, status="closed")
        r = await client.put(s.mine, json=s.answer(), headers=h)
        assert assert_problem(r, 409, type_=CONFLICT)["reason"] == "closed"


async def test_without_editing_an_answer_is_read_but_not_changed(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db)
    h = world.headers("participant")
    first = (await client.post(s.responses, json=s.answer(), headers=h)).json()
    mine = await client.get(s.mine, headers=h)
    assert mine.status_code == 200 and mine.json()["id"] == first["id"]
    assert (await client.get(s.participation, headers=h)).json()["can_edit"] is False
    before = await count_rows(db)
    r = await client.put(s.mine, json=s.answer(), headers=h)
    assert assert_problem(r, 409, type_=CONFLICT)["reason"] == "editing_not_allowed"
    assert await count_rows(db) == before
    assert_problem(await client.get(s.mine, headers=world.headers("staff")), 404)
    assert_problem(await client.get(s.mine), 401)
