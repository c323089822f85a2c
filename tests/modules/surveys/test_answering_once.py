"""One answer per person, race-free; ``Idempotency-Key`` replays; several answers where allowed; an
answer racing the close."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from civicapi.core.db.session import Database
from civicapi.modules.surveys.answering import repository, service
from civicapi.modules.surveys.models import Survey
from tests.fixtures.factories import World
from tests.modules.surveys.answering_helpers import open_survey, participants, responses
from tests.modules.surveys.helpers import assert_problem, count_rows, survey_row

CONFLICT = "/problems/surveys-conflict"
RACERS = 50


def _by_question(response: dict[str, Any]) -> dict[str, Any]:
    """The answers by question, their choices in a fixed order (a read orders them by position)."""
    return {
        a["question_id"]: {
            **a,
            "choices": sorted(a["choices"], key=lambda c: sorted((k, str(v)) for k, v in c.items())),
        }
        for a in response["answers"]
    }


async def test_a_second_answer_is_refused_and_says_where_to_edit_when_editing_is_allowed(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    h = world.headers("participant")
    comp = (await open_survey(client, world, db)).comp
    for editing in (False, True):
        s = await open_survey(client, world, db, comp=comp, allow_editing=editing)
        assert (await client.post(s.responses, json=s.answer(), headers=h)).status_code == 201
        before = await count_rows(db)
        problem = assert_problem(
            await client.post(s.responses, json=s.answer(), headers=h), 409, type_=CONFLICT
        )
        assert problem["reason"] == "already_answered"
        assert problem.get("edit") == (s.mine if editing else None)
        assert await count_rows(db) == before
        assert (await survey_row(db, s.survey.id)).answers_count == 1


async def test_a_retry_with_the_same_key_answers_the_first_outcome_again(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db)
    h = {**world.headers("participant"), "Idempotency-Key": "answer-1"}
    first = await client.post(s.responses, json=s.answer(), headers=h)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = await client.post(s.responses, json=s.answer(), headers=h)
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert _by_question(again.json()) == _by_question(first.json())
    # another key is another answer: refused
    other = {**h, "Idempotency-Key": "answer-2"}
    r = await client.post(s.responses, json=s.answer(), headers=other)
    assert assert_problem(r, 409, type_=CONFLICT)["reason"] == "already_answered"
    assert len(await responses(db, s)) == 1
    assert (await survey_row(db, s.survey.id)).answers_count == 1


async def test_one_person_racing_with_themself_gets_one_answer(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db)
    h = world.headers("participant")
    answers = await asyncio.gather(
        *(client.post(s.responses, json=s.answer(), headers=h) for _ in range(RACERS))
    )
    assert Counter(r.status_code for r in answers) == {201: 1, 409: RACERS - 1}
    assert {r.json()["reason"] for r in answers if r.status_code == 409} == {"already_answered"}
    assert len(await responses(db, s)) == 1
    [p] = await participants(db, s.survey.id)
    assert p.answers == 1
    assert (await survey_row(db, s.survey.id)).answers_count == 1


async def test_racing_retries_with_one_key_give_one_answer_and_replays(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db)
    h = {**world.headers("participant"), "Idempotency-Key": "k"}
    answers = await asyncio.gather(
        *(client.post(s.responses, json=s.answer(), headers=h) for _ in range(RACERS))
    )
    assert Counter(r.status_code for r in answers) == {201: RACERS}
    assert Counter(r.headers.get("Idempotent-Replayed") for r in answers) == {None: 1, "true": RACERS - 1}
    assert len({r.json()["id"] for r in answers}) == 1
    assert len(await responses(db, s)) == 1
    assert (await survey_row(db, s.survey.id)).answers_count == 1


async def test_several_answers_where_allowed_are_each_a_response_counted_in_the_register(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db, multiple_answers=True)
    h = world.headers("participant")
    answers = await asyncio.gather(*(client.post(s.responses, json=s.answer(), headers=h) for _ in range(10)))
    assert Counter(r.status_code for r in answers) == {201: 10}
    assert len({r.json()["id"] for r in answers}) == 10
    [p] = await participants(db, s.survey.id)
    assert p.answers == 10
    assert len(await responses(db, s)) == 10
    assert (await survey_row(db, s.survey.id)).answers_count == 10
    r = await client.get(s.participation, headers=h)
    assert r.json() == {"answered": True, "answers": 10, "can_edit": False}


async def test_an_answer_after_a_close_that_won_writes_nothing(
    client: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A close that won flips the status before the answer's first statement (the conditional count),
    which then matches no row: simulated by flipping it in the answer's own transaction (SQLite takes one
    writer at a time) between the survey's read and the count. Everything is rolled back, the flip too."""
    s = await open_survey(client, world, db)
    real = repository.count_answer

    async def close_first(session: Any, survey_id: Any, delta: int = 1) -> bool:
        await session.execute(update(Survey).where(Survey.id == survey_id).values(status="closed"))
        return await real(session, survey_id, delta)

    before = await count_rows(db)
    monkeypatch.setattr(service, "count_answer", close_first)
    r = await client.post(s.responses, json=s.answer(), headers=world.headers("participant"))
    assert assert_problem(r, 409, type_=CONFLICT)["reason"] == "closed"
    assert await count_rows(db) == before
    assert (await survey_row(db, s.survey.id)).answers_count == 0
