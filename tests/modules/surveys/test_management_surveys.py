"""Managing a component's surveys: create (with its questionnaire), read, list, edit, delete; bad input
refused with nothing written; another commune's survey unknown."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from civicapi.core.db.session import Database
from civicapi.modules.surveys.permissions import MANAGE
from civicapi.modules.surveys.resources import SURVEY
from tests.fixtures.factories import World
from tests.modules.surveys.helpers import (
    Comp,
    assert_problem,
    count_rows,
    insert_survey,
    make_component,
    survey_row,
)
from tests.modules.surveys.management_helpers import answered, audit_verbs

NOW = datetime.now(UTC)
ADMIN = "admin"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def _create(client: httpx.AsyncClient, world: World, comp: Comp, **fields: Any) -> dict[str, Any]:
    body = {"title": {"fr": "Consultation sur la mobilité"}, **fields}
    r = await client.post(comp.surveys, json=body, headers=world.headers(ADMIN))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_manager_creates_a_draft_survey_with_its_questionnaire(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    body = {
        "title": {"fr": "Consultation sur la mobilité", "nl": "Raadpleging over mobiliteit"},
        "description": {"fr": "Vos trajets quotidiens."},
        "starts_at": "2031-03-01T08:00:00+01:00",
        "ends_at": "2031-03-31T20:00:00+02:00",
        "anonymous": True,
        "allow_editing": True,
    }
    r = await client.post(comp.surveys, json=body, headers=world.headers(ADMIN))
    assert r.status_code == 201, r.text
    survey = r.json()
    assert r.headers["Location"] == comp.survey(survey["id"])
    assert survey["status"] == "draft" and survey["open"] is False
    assert survey["min_group_size"] == 5 and survey["answers_count"] == 0
    assert survey["anonymous"] is True and survey["multiple_answers"] is False
    assert survey["starts_at"].startswith("2031-03-01T07:00:00")  # stored in UTC
    assert survey["links"] == {
        "questionnaire": comp.survey(survey["id"]) + "/form",
        "responses": comp.survey(survey["id"]) + "/responses",
        "results": comp.survey(survey["id"]) + "/results",
    }
    form = await client.get(survey["links"]["questionnaire"], headers=world.headers(ADMIN))
    assert form.status_code == 200, form.text
    assert form.json()["title"] == body["title"] and form.json()["version"] == 1
    assert await audit_verbs(db, survey["id"]) == ["surveys.survey.create"]

    # a draft is its managers' only
    assert (await client.get(comp.survey(survey["id"]))).status_code == 404
    assert (
        await client.get(comp.survey(survey["id"]), headers=world.headers("participant"))
    ).status_code == 404


async def test_bad_input_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    before = await count_rows(db)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": {"fr": "Parc", "de": "Park"}}, "unknown_locale"),
        ({"title": {"fr": "Parc"}, "description": {"es": "Parque"}}, "unknown_locale"),
        (
            {"title": {"fr": "Parc"}, "starts_at": "2031-03-02T08:00:00Z", "ends_at": "2031-03-01T08:00:00Z"},
            "ends_before_start",
        ),
    ]
    for body, reason in cases:
        r = await client.post(comp.surveys, json=body, headers=world.headers(ADMIN))
        problem = assert_problem(r, 422, type_="/problems/surveys-invalid")
        assert problem["reason"] == reason, problem
    for body in (
        {"title": {"fr": "Parc"}, "min_group_size": 0},
        {"title": {"fr": "Parc"}, "colour": "green"},
        {"title": {"fr": "Parc"}, "anonymous": "yes"},
        {"title": {"fr": "Parc"}, "ends_at": "2031-03-01T08:00:00"},  # no offset
        {"description": {"fr": "Sans titre"}},
    ):
        assert_problem(await client.post(comp.surveys, json=body, headers=world.headers(ADMIN)), 422)
    assert await count_rows(db) == before


async def test_the_list_pages_and_filters_and_hides_drafts_from_others(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    open_ = await insert_survey(db, comp)
    later = await insert_survey(db, comp, starts_at=NOW + timedelta(days=3))
    closed = await insert_survey(db, comp, status="closed", closed_at=NOW)
    draft = await insert_survey(db, comp, status="draft")

    async def ids(query: str = "", who: str = "anonymous") -> list[str]:
        found: list[str] = []
        cursor: str | None = None
        while True:
            url = f"{comp.surveys}?limit=2{query}" + (f"&cursor={cursor}" if cursor else "")
            r = await client.get(url, headers=world.headers(who))
            assert r.status_code == 200, r.text
            found += [item["id"] for item in r.json()["items"]]
            cursor = r.json()["next_cursor"]
            if cursor is None:
                return found

    newest_first = [str(s.id) for s in (draft, closed, later, open_)]
    assert await ids(who=ADMIN) == newest_first
    assert await ids() == newest_first[1:]
    assert await ids("&sort=created_at", who=ADMIN) == newest_first[::-1]
    assert await ids("&status=draft") == []
    assert await ids("&status=draft", who=ADMIN) == [str(draft.id)]
    assert await ids("&open=true") == [str(open_.id)]
    assert await ids("&open=false", who=ADMIN) == [str(draft.id), str(closed.id), str(later.id)]
    r = await client.get(comp.surveys)
    assert [item["open"] for item in r.json()["items"]] == [False, False, True]
    assert_problem(await client.get(comp.surveys + "?status=open"), 422)
    assert_problem(await client.get(comp.surveys + "?sort=title"), 422)


async def test_a_survey_is_not_open_in_a_phase_without_answers(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world, step_settings={"answers_enabled": False})
    survey = await insert_survey(db, comp)
    r = await client.get(comp.survey(survey.id))
    assert r.status_code == 200 and r.json()["open"] is False
    r = await client.get(comp.surveys + "?open=true")
    assert r.json()["items"] == []


async def test_editing_wording_and_window_at_any_time_and_flags_only_before_answers(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    survey = await insert_survey(db, comp, starts_at=NOW - timedelta(days=1))
    url = comp.survey(survey.id)

    r = await client.patch(url, json={"anonymous": True, "min_group_size": 10}, headers=world.headers(ADMIN))
    assert r.status_code == 200, r.text
    assert r.json()["anonymous"] is True and r.json()["min_group_size"] == 10
    await answered(db, survey, 2)

    before = await count_rows(db)
    for flag in ("anonymous", "multiple_answers", "answers_without_account"):
        value = not getattr(await survey_row(db, survey.id), flag)
        r = await client.patch(
            url, json={flag: value, "title": {"fr": "Autre"}}, headers=world.headers(ADMIN)
        )
        assert assert_problem(r, 409, type_="/problems/surveys-conflict")["reason"] == "has_answers"
    r = await client.patch(url, json={"ends_at": _iso(NOW - timedelta(days=2))}, headers=world.headers(ADMIN))
    assert assert_problem(r, 422)["reason"] == "ends_before_start"
    r = await client.patch(url, json={"title": {"xx": "Parc"}}, headers=world.headers(ADMIN))
    assert assert_problem(r, 422)["reason"] == "unknown_locale"
    assert_problem(await client.patch(url, json={"status": "closed"}, headers=world.headers(ADMIN)), 422)
    assert_problem(await client.patch(url, json={"title": None}, headers=world.headers(ADMIN)), 422)
    assert await count_rows(db) == before

    ends = NOW + timedelta(days=20)
    changes = {
        "title": {"fr": "Le parc, votre avis"},
        "ends_at": _iso(ends),
        "allow_editing": True,
        "results_published": True,
        "anonymous": True,  # unchanged: allowed
    }
    r = await client.patch(url, json=changes, headers=world.headers(ADMIN))
    assert r.status_code == 200, r.text
    assert r.json()["title"] == {"fr": "Le parc, votre avis"} and r.json()["results_published"] is True
    assert r.json()["open"] is True
    row = await survey_row(db, survey.id)
    assert row.ends_at == ends and row.allow_editing is True
    assert await audit_verbs(db, survey.id) == ["surveys.survey.update", "surveys.survey.update"]

    r = await client.patch(url, json={"title": {"fr": "X"}}, headers=world.headers("participant"))
    assert_problem(r, 403)


async def test_deleting_a_survey_without_answers_deletes_its_questionnaire(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    created = await _create(client, world, comp)
    answered_survey = await insert_survey(db, comp)
    await answered(db, answered_survey, 1)
    before = await count_rows(db)

    r = await client.delete(comp.survey(answered_survey.id), headers=world.headers(ADMIN))
    assert assert_problem(r, 409)["reason"] == "has_answers"
    assert await count_rows(db) == before

    test_answers = await insert_survey(db, comp, status="draft")
    await answered(db, test_answers, 2, is_test=True)
    for survey_id in (created["id"], test_answers.id):
        r = await client.delete(comp.survey(survey_id), headers=world.headers(ADMIN))
        assert r.status_code == 204, r.text
        assert (await client.get(comp.survey(survey_id), headers=world.headers(ADMIN))).status_code == 404
    after = await count_rows(db)
    assert after["surveys_survey"] == before["surveys_survey"] - 1
    assert after["forms_questionnaire"] == before["forms_questionnaire"] - 1
    assert after["forms_response"] == before["forms_response"]  # the draft's 2 test responses went
    assert after["surveys_participant"] == before["surveys_participant"]
    assert "surveys.survey.delete" in await audit_verbs(db, created["id"])


async def test_another_communes_survey_is_unknown(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    survey = await insert_survey(db, comp)
    other = comp.survey(survey.id).replace("/alpha/", "/beta/")
    before = await count_rows(db)
    for method, suffix in (("PATCH", ""), ("DELETE", ""), ("POST", "/close"), ("POST", "/publish")):
        r = await client.request(
            method,
            other + suffix,
            json={} if method == "PATCH" else None,
            headers=world.headers("beta_admin"),
        )
        assert r.status_code == 404, (method, suffix, r.text)
    assert await count_rows(db) == before
    assert (await survey_row(db, survey.id)).status == "published"


@dataclass(frozen=True)
class _Caller:
    user_id: uuid.UUID | None
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return permission in self.permissions


async def test_the_resource_type_shows_drafts_to_managers_only(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    published = await insert_survey(db, comp)
    draft = await insert_survey(db, comp, status="draft")
    commune_id = (await survey_row(db, published.id)).commune_id
    ids = [published.id, draft.id]
    async with db.unit_of_work() as session:
        anyone = await SURVEY.visible(session, commune_id, _Caller(None, frozenset()), ids)
        manager = await SURVEY.visible(session, commune_id, _Caller(None, frozenset({MANAGE})), ids)
        described = await SURVEY.describe(session, commune_id, ids)
    assert anyone == {published.id} and manager == {published.id, draft.id}
    assert described[published.id].path == comp.survey(published.id)
    assert described[published.id].title == {"fr": "Consultation sur le parc"}
