"""Answers without an account: one-time tokens issued by the API (only their hash stored, rate-limited per
client address), each spent by one answer, race-free."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from civicapi.core.db.session import Database
from civicapi.modules.surveys.models import AnswerToken
from tests.fixtures.factories import World
from tests.modules.surveys.answering_helpers import open_survey, participants, responses, tokens_of
from tests.modules.surveys.helpers import assert_problem, count_rows, insert_survey, survey_row

CONFLICT = "/problems/surveys-conflict"
FORBIDDEN = "/problems/surveys-action-forbidden"


async def test_a_token_lets_someone_without_an_account_answer_once(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db, answers_without_account=True)
    r = await client.post(s.tokens)
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    assert datetime.fromisoformat(r.json()["expires_at"]) > datetime.now(UTC)
    [row] = await tokens_of(db, s.survey.id)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and row.used_at is None

    r = await client.post(s.responses, json=s.answer(), headers={"Answer-Token": token})
    assert r.status_code == 201, r.text
    [response] = await responses(db, s)
    assert response.user_id is None
    assert await participants(db, s.survey.id) == []
    assert (await survey_row(db, s.survey.id)).answers_count == 1
    [row] = await tokens_of(db, s.survey.id)
    assert row.used_at is not None

    before = await count_rows(db)
    r = await client.post(s.responses, json=s.answer(), headers={"Answer-Token": token})
    assert assert_problem(r, 409, type_=CONFLICT)["reason"] == "token_used"
    r = await client.post(s.responses, json=s.answer(), headers={"Answer-Token": "made-up"})
    assert assert_problem(r, 403, type_=FORBIDDEN)["reason"] == "invalid_token"
    assert await count_rows(db) == before


async def test_an_expired_token_or_one_of_another_survey_is_refused_and_a_bad_answer_keeps_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db, answers_without_account=True)
    other = await insert_survey(db, s.comp, answers_without_account=True)
    token = (await client.post(s.tokens)).json()["token"]
    before = await count_rows(db)
    r = await client.post(s.responses, json={"answers": []}, headers={"Answer-Token": token})
    assert_problem(r, 422, type_="/problems/forms-invalid-response")
    elsewhere = s.comp.survey(other.id) + "/responses"
    r = await client.post(elsewhere, json=s.answer(), headers={"Answer-Token": token})
    assert assert_problem(r, 403, type_=FORBIDDEN)["reason"] == "invalid_token"
    assert await count_rows(db) == before
    async with db.unit_of_work() as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(update(AnswerToken).values(expires_at=past))
    r = await client.post(s.responses, json=s.answer(), headers={"Answer-Token": token})
    assert assert_problem(r, 403, type_=FORBIDDEN)["reason"] == "invalid_token"
    assert await count_rows(db) == before


async def test_tokens_only_where_the_survey_takes_them_and_no_verification_is_asked(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db)
    before = await count_rows(db)
    assert assert_problem(await client.post(s.tokens), 409, type_=CONFLICT)["reason"] == "accounts_required"
    r = await client.post(s.responses, json=s.answer(), headers={"Answer-Token": "x"})
    assert assert_problem(r, 409, type_=CONFLICT)["reason"] == "accounts_required"
    assert await count_rows(db) == before

    requirement = {"handler": "census", "conditions": {}}
    verified = await open_survey(
        client,
        world,
        db,
        settings={"answer_requirements": [requirement]},
        slug="verified",
        answers_without_account=True,
    )
    before = await count_rows(db)
    r = await client.post(verified.tokens)
    assert assert_problem(r, 403, type_=FORBIDDEN)["reason"] == "requirements_not_met"
    r = await client.post(verified.responses, json=verified.answer(), headers={"Answer-Token": "x"})
    assert assert_problem(r, 403, type_=FORBIDDEN)["reason"] == "requirements_not_met"
    assert await count_rows(db) == before


async def test_tokens_are_rate_limited_per_address(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(
        client, world, db, settings={"answer_tokens_per_hour": 2}, answers_without_account=True
    )
    assert [(await client.post(s.tokens)).status_code for _ in range(2)] == [201, 201]
    r = await client.post(s.tokens)
    assert_problem(r, 429)
    assert int(r.headers["Retry-After"]) > 0
    assert len(await tokens_of(db, s.survey.id)) == 2


async def test_50_answers_racing_with_one_token_give_one_response(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db, answers_without_account=True, anonymous=True)
    h = {"Answer-Token": (await client.post(s.tokens)).json()["token"]}
    answers = await asyncio.gather(*(client.post(s.responses, json=s.answer(), headers=h) for _ in range(50)))
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 49}
    assert {r.json()["reason"] for r in answers if r.status_code == 409} == {"token_used"}
    [response] = await responses(db, s)
    assert response.user_id is None and (response.submitted_at.hour, response.submitted_at.minute) == (0, 0)
    assert (await survey_row(db, s.survey.id)).answers_count == 1
