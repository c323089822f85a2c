"""A survey's lifecycle: publishing a draft that asks something (its test answers cleaned), closing it
(no more answers, sealed), reopening one that is not anonymous; the periodic close of surveys past their
end; the questionnaire editor under the survey."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.session import Database
from civicapi.core.events import Event
from civicapi.modules.surveys.management.sweep import close_ended
from tests.fixtures.factories import World
from tests.modules.surveys.helpers import (
    assert_problem,
    count_rows,
    insert_survey,
    make_component,
    survey_row,
)
from tests.modules.surveys.management_helpers import answered, audit_verbs, ids_of, links

ADMIN = "admin"
NOW = datetime.now(UTC)
QUESTION = {
    "question_type": "single_choice",
    "body": {"fr": "Venez-vous ?"},
    "options": [{"body": {"fr": "Oui"}}],
}


def _listen(db: Database, name: str) -> list[Event]:
    received: list[Event] = []

    async def record(event: Event, session: AsyncSession) -> None:
        received.append(event)

    db.bus.subscribe(name, record)
    return received


async def test_publishing_needs_a_question_and_cleans_the_test_answers(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    received = _listen(db, "surveys.survey_published")
    comp = await make_component(client, world)
    r = await client.post(comp.surveys, json={"title": {"fr": "Mobilité"}}, headers=world.headers(ADMIN))
    survey = r.json()
    url = comp.survey(survey["id"])
    headers = world.headers(ADMIN)

    before = await count_rows(db)
    r = await client.post(url + "/publish", headers=headers)
    assert assert_problem(r, 409, type_="/problems/surveys-conflict")["reason"] == "no_questions"
    title = {"question_type": "title_and_description", "body": {"fr": "Bienvenue"}}
    assert (await client.post(url + "/form/questions", json=title, headers=headers)).status_code == 201
    r = await client.post(url + "/publish", headers=headers)
    assert assert_problem(r, 409)["reason"] == "no_questions"  # a title asks nothing
    after = await count_rows(db)
    assert (
        after["surveys_survey"] == before["surveys_survey"]
        and after["core_audit_entry"] == before["core_audit_entry"] + 1
    )  # the question's creation only
    assert (await survey_row(db, survey["id"])).status == "draft"

    # a draft's test answers: stored, not counted, gone on publish (with its register)
    draft = await insert_survey(db, comp, status="draft")
    await answered(db, draft, 3, is_test=True)
    assert len(await ids_of(db, draft.form.id)) > 3
    r = await client.post(comp.survey(draft.id) + "/publish", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published" and r.json()["published_at"] and r.json()["open"] is True
    assert await ids_of(db, draft.form.id) == set()
    assert await links(db, draft.id) == []
    assert await audit_verbs(db, draft.id) == ["surveys.survey.publish"]
    assert [e.payload["survey_id"] for e in received] == [str(draft.id)]

    r = await client.post(comp.survey(draft.id) + "/publish", headers=headers)
    assert assert_problem(r, 409)["reason"] == "not_a_draft"
    r = await client.post(comp.survey(draft.id) + "/publish", headers=world.headers("participant"))
    assert_problem(r, 403)


async def test_a_draft_whose_window_has_ended_is_not_published(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    draft = await insert_survey(db, comp, status="draft", ends_at=NOW - timedelta(hours=1))
    r = await client.post(comp.survey(draft.id) + "/publish", headers=world.headers(ADMIN))
    assert assert_problem(r, 409)["reason"] == "ended"
    assert (await survey_row(db, draft.id)).status == "draft"


async def test_closing_and_reopening(client: httpx.AsyncClient, world: World, db: Database) -> None:
    received = _listen(db, "surveys.survey_closed")
    comp = await make_component(client, world)
    survey = await insert_survey(db, comp)
    anonymous = await insert_survey(db, comp, anonymous=True)
    draft = await insert_survey(db, comp, status="draft")
    headers = world.headers(ADMIN)

    r = await client.post(comp.survey(draft.id) + "/close", headers=headers)
    assert assert_problem(r, 409)["reason"] == "not_published"
    r = await client.post(comp.survey(survey.id) + "/reopen", headers=headers)
    assert assert_problem(r, 409)["reason"] == "not_closed"

    for built in (survey, anonymous):
        r = await client.post(comp.survey(built.id) + "/close", headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "closed" and r.json()["open"] is False
    assert [e.payload["by"] for e in received] == ["manager", "manager"]
    r = await client.post(comp.survey(survey.id) + "/close", headers=headers)
    assert assert_problem(r, 409)["reason"] == "closed"
    # a closed survey is still read by everyone
    assert (await client.get(comp.survey(survey.id))).json()["status"] == "closed"

    r = await client.post(comp.survey(anonymous.id) + "/reopen", headers=headers)
    assert assert_problem(r, 409)["reason"] == "sealed"
    r = await client.post(comp.survey(survey.id) + "/reopen", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published" and r.json()["closed_at"] is None and r.json()["open"] is True
    assert await audit_verbs(db, survey.id) == ["surveys.survey.close", "surveys.survey.reopen"]

    ended = await insert_survey(db, comp, status="closed", ends_at=NOW - timedelta(minutes=1))
    r = await client.post(comp.survey(ended.id) + "/reopen", headers=headers)
    assert assert_problem(r, 409)["reason"] == "ended"
    r = await client.post(comp.survey(survey.id) + "/close", headers=world.headers("participant"))
    assert_problem(r, 403)


async def test_the_sweep_closes_and_seals_the_surveys_past_their_end(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    past = await insert_survey(db, comp, anonymous=True, ends_at=NOW - timedelta(minutes=1))
    running = await insert_survey(db, comp, ends_at=NOW + timedelta(days=1))
    endless = await insert_survey(db, comp)
    await answered(db, past, 4)
    before_ids = await ids_of(db, past.form.id)

    assert await close_ended(db) == 1
    row = await survey_row(db, past.id)
    assert row.status == "closed" and row.closed_at is not None
    assert await links(db, past.id) == [None] * 4
    after_ids = await ids_of(db, past.form.id)
    assert len(after_ids) == len(before_ids) and not after_ids & before_ids
    assert await audit_verbs(db, past.id) == ["surveys.survey.close"]
    for built in (running, endless):
        assert (await survey_row(db, built.id)).status == "published"

    assert await close_ended(db) == 0
    assert await close_ended(db, NOW + timedelta(days=2)) == 1
    assert (await survey_row(db, running.id)).status == "closed"


async def test_the_questionnaire_is_edited_under_the_survey_and_frozen_once_answered(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    survey = await insert_survey(db, comp)
    form = comp.survey(survey.id) + "/form"
    headers = world.headers(ADMIN)

    r = await client.post(form + "/questions", json=QUESTION, headers=headers)
    assert r.status_code == 201, r.text
    assert (await client.get(form)).status_code == 200
    assert_problem(
        await client.post(form + "/questions", json=QUESTION, headers=world.headers("participant")), 403
    )

    await answered(db, survey, 1)
    r = await client.post(form + "/questions", json=QUESTION, headers=headers)
    problem: dict[str, Any] = assert_problem(r, 409, type_="/problems/forms-definition-conflict")
    assert problem["reason"] == "has_responses"
    r = await client.put(form, json={"title": {"fr": "Le parc (corrigé)"}}, headers=headers)
    assert r.status_code == 200, r.text
