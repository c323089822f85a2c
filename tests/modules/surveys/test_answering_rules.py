"""Answering a survey: who may, when, and what an answer carries (the breakdown attributes); bad input
names each question and writes nothing."""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from civicapi.core.db.session import Database
from civicapi.modules.surveys.answering.rules import age_band
from tests.fixtures.factories import World
from tests.modules.surveys.answering_helpers import (
    Open,
    body,
    open_survey,
    participants,
    responses,
    valid_answers,
    verify,
)
from tests.modules.surveys.helpers import Built, assert_problem, count_rows, insert_survey, survey_row

CONFLICT = "/problems/surveys-conflict"
FORBIDDEN = "/problems/surveys-action-forbidden"
INVALID = "/problems/forms-invalid-response"


async def test_an_answer_is_stored_counted_and_registered_with_the_breakdown_attributes(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db)
    await verify(db, world, "participant", district="Sainte-Walburge", birth_year=datetime.now(UTC).year - 30)
    r = await client.post(s.responses, json=s.answer(), headers=world.headers("participant"))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["questionnaire_id"] == str(s.survey.form.id) and len(created["answers"]) == 9

    [row] = await responses(db, s)
    assert (row.user_id, row.district, row.age_band, row.is_test) == (
        world.users["participant"].id,
        "Sainte-Walburge",
        "25-34",
        False,
    )
    [p] = await participants(db, s.survey.id)
    assert (p.user_id, p.answers, p.response_id) == (world.users["participant"].id, 1, None)
    assert (await survey_row(db, s.survey.id)).answers_count == 1

    # without a verification, no attributes
    r = await client.post(s.responses, json=s.answer(), headers=world.headers("staff"))
    assert r.status_code == 201, r.text
    mine = [x for x in await responses(db, s) if x.user_id == world.users["staff"].id]
    assert [(x.district, x.age_band) for x in mine] == [(None, None)]


def test_the_age_bands_are_fixed() -> None:
    today = datetime.now(UTC).date()
    ages = {17: "under_18", 18: "18-24", 24: "18-24", 25: "25-34", 49: "35-49", 64: "50-64", 65: "65_plus"}
    assert {age: age_band(today.year - age, today) for age in ages} == ages


async def test_a_signed_out_caller_without_a_token_gets_401(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db)
    before = await count_rows(db)
    assert_problem(await client.post(s.responses, json=s.answer()), 401)
    assert await count_rows(db) == before


async def test_a_draft_takes_test_answers_from_its_managers_only(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db, status="draft")
    before = await count_rows(db)
    assert_problem(await client.post(s.responses, json=s.answer(), headers=world.headers("participant")), 404)
    assert await count_rows(db) == before
    for _ in range(2):  # a manager tries the survey as often as they like
        r = await client.post(s.responses, json=s.answer(), headers=world.headers("admin"))
        assert r.status_code == 201, r.text
    rows = await responses(db, s)
    assert [x.is_test for x in rows] == [True, True]
    assert await participants(db, s.survey.id) == []
    assert (await survey_row(db, s.survey.id)).answers_count == 0


async def test_a_closed_survey_or_one_outside_its_window_takes_no_answer(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db, status="closed")
    now = datetime.now(UTC)
    later = await insert_survey(db, s.comp, starts_at=now + timedelta(days=1))
    over = await insert_survey(db, s.comp, starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=1))
    h = world.headers("participant")
    before = await count_rows(db)
    cases = [(s.survey, "closed"), (later, "not_open_yet"), (over, "closed")]
    for survey, reason in cases:
        answer = body(survey.form, valid_answers(survey.form))
        r = await client.post(s.comp.survey(survey.id) + "/responses", json=answer, headers=h)
        assert assert_problem(r, 409, type_=CONFLICT)["reason"] == reason
    assert await count_rows(db) == before


async def test_a_phase_without_answers_refuses_them(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db, step_settings={"answers_enabled": False})
    before = await count_rows(db)
    r = await client.post(s.responses, json=s.answer(), headers=world.headers("participant"))
    assert assert_problem(r, 403, type_=FORBIDDEN)["reason"] == "answers_disabled"
    assert await count_rows(db) == before


async def test_the_components_answer_requirements_are_checked(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    requirement = {"handler": "census", "conditions": {"districts": ["Centre"]}}
    s = await open_survey(client, world, db, settings={"answer_requirements": [requirement]})
    await verify(db, world, "staff", district="Laveu", birth_year=1980)
    await verify(db, world, "participant", district="Centre", birth_year=1980)
    before = await count_rows(db)
    for who in ("moderator", "staff"):
        r = await client.post(s.responses, json=s.answer(), headers=world.headers(who))
        assert assert_problem(r, 403, type_=FORBIDDEN)["reason"] == "requirements_not_met"
    assert await count_rows(db) == before
    r = await client.post(s.responses, json=s.answer(), headers=world.headers("participant"))
    assert r.status_code == 201, r.text


def _bad(s: Open, other: Built) -> list[tuple[str, dict[str, Any], str, str]]:
    """(label, body, question name or id, reason): a valid answer with one thing wrong."""
    form = s.survey.form
    o, q = form.options, form.questions

    def case(label: str, question: str, reason: str, **changes: dict[str, Any]) -> tuple[Any, ...]:
        answers = deepcopy(valid_answers(form))
        answers.update(changes)
        return (label, body(form, answers), question, reason)

    foreign = body(form, valid_answers(form))
    foreign["answers"].append({"question_id": str(other.questions["ideas"]), "text": "ailleurs"})
    return [
        ("a question of another survey", foreign, str(other.questions["ideas"]), "unknown_question"),
        case(
            "too many choices",
            "wishes",
            "too_many_choices",
            wishes={"choices": [{"option_id": str(x)} for x in o["wishes"]]},
        ),
        case(
            "free text on an option without it",
            "use",
            "free_text_not_allowed",
            use={"choices": [{"option_id": str(o["use"][1]), "free_text": "vélo"}]},
        ),
        case(
            "a matrix row that does not exist",
            "rating",
            "unknown_row",
            rating={"choices": [{"option_id": str(o["rating"][0]), "row_id": str(q["use"])}]},
        ),
        case("a number out of range", "age", "out_of_range", age={"number": 121}),
        case("a date that is not a date", "visit", "not_a_date", visit={"date": "2026-02-30"}),
    ]


async def test_every_bad_answer_names_its_question_and_writes_nothing(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db)
    other = (await insert_survey(db, s.comp)).form
    h = world.headers("participant")
    before = await count_rows(db)
    for label, answer, question, reason in _bad(s, other):
        r = await client.post(s.responses, json=answer, headers=h)
        problem = assert_problem(r, 422, type_=INVALID)
        assert (question if len(question) == 36 else str(s.survey.form.questions[question]), reason) in [
            (e["question"], e["reason"]) for e in problem["errors"]
        ], (label, problem["errors"])
    assert await count_rows(db) == before
    assert (await survey_row(db, s.survey.id)).answers_count == 0
