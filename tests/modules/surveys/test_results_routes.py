"""A survey's results (the forms capability's, mounted under the survey): published or for managers only,
k per survey, older versions, the publication of the results (audited), and the written answers with the
options' free texts, moderated. Both backends."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import update

from civicapi.core.db.session import Database
from civicapi.modules.surveys.models import DRAFT, Survey
from tests.fixtures.factories import World
from tests.forms.results_helpers import seed_responses
from tests.modules.surveys.helpers import assert_problem, count_rows
from tests.modules.surveys.results_helpers import audit_of, submit_other, survey_setup


async def test_results_are_internal_until_published(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    setup = await survey_setup(client, world, db)
    await seed_responses(db, world.alpha.id, setup.survey.form, 12)
    await seed_responses(db, world.alpha.id, setup.survey.form, 4, seed=3, is_test=True)
    results = setup.url + "/results"
    assert_problem(await client.get(results), 401)
    assert_problem(await client.get(results, headers=world.headers("participant")), 403)
    r = await client.get(results, headers=world.headers("staff"))
    assert r.status_code == 200, r.text
    internal = r.json()
    assert (internal["published"], internal["responses"], internal["version"]) == (False, 12, 1)
    assert len(internal["questions"]) == 11

    publication = setup.url + "/results-publication"
    before = await count_rows(db)
    assert_problem(await client.put(publication, json={"published": True}), 401)
    assert_problem(
        await client.put(publication, json={"published": True}, headers=world.headers("participant")), 403
    )
    assert_problem(
        await client.put(publication, json={"published": "yes"}, headers=world.headers("admin")), 422
    )
    assert await count_rows(db) == before
    r = await client.put(publication, json={"published": True}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json() == {"survey_id": str(setup.survey.id), "published": True, "min_group_size": 5}
    (entry,) = await audit_of(db, setup.survey.id, "surveys.survey.results_publish")
    assert entry.changes == {"results_published": [False, True]}
    # publishing again changes nothing and records nothing
    r = await client.put(publication, json={"published": True}, headers=world.headers("admin"))
    assert (
        r.status_code == 200
        and len(await audit_of(db, setup.survey.id, "surveys.survey.results_publish")) == 1
    )

    r = await client.get(results)
    assert r.status_code == 200, r.text
    assert r.json()["published"] is True and r.json()["questions"] == internal["questions"]
    r = await client.put(publication, json={"published": False}, headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["published"] is False
    assert len(await audit_of(db, setup.survey.id, "surveys.survey.results_unpublish")) == 1
    assert_problem(await client.get(results), 401)


async def test_a_draft_survey_is_not_found_and_its_test_answers_do_not_count(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    setup = await survey_setup(client, world, db, status=DRAFT, results_published=True)
    await seed_responses(db, world.alpha.id, setup.survey.form, 6, is_test=True)
    assert_problem(await client.get(setup.url + "/results"), 404)
    assert_problem(await client.get(setup.url + "/results", headers=world.headers("participant")), 404)
    r = await client.get(setup.url + "/results", headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["responses"] == 0


def _groups(body: dict[str, Any], dimension: str) -> dict[str, int]:
    (breakdown,) = [b for b in body["breakdowns"] if b["dimension"] == dimension]
    return {g["group"]: g["responses"] for g in breakdown["groups"]}


async def test_small_groups_are_suppressed_with_the_surveys_k(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    """12 responses from Centre, 4 from Nord, 2 from Sud: with k = 5 Nord and Sud are pooled into
    `other` (6); with k = 3 Sud alone (2) is still under k, so Nord joins it; with k = 2 every group shows;
    with k above the total, none."""
    setup = await survey_setup(client, world, db, results_published=True)
    groups = [("Centre", "30-44")] * 12 + [("Nord", "30-44")] * 4 + [("Sud", "65+")] * 2
    await seed_responses(db, world.alpha.id, setup.survey.form, len(groups), groups=groups)
    results = setup.url + "/results"

    async def with_k(k: int) -> dict[str, Any]:
        async with db.unit_of_work() as session:
            await session.execute(update(Survey).where(Survey.id == setup.survey.id).values(min_group_size=k))
        r = await client.get(results)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        assert {b["min_group_size"] for b in body["breakdowns"]} == {k}
        return body

    assert _groups(await with_k(5), "district") == {"Centre": 12, "other": 6}
    assert _groups(await with_k(3), "district") == {"Centre": 12, "other": 6}
    assert _groups(await with_k(2), "district") == {"Centre": 12, "Nord": 4, "Sud": 2}
    assert _groups(await with_k(5), "age_band") == {"other": 18}  # 65+ (2) pulls 30-44 into `other`
    assert _groups(await with_k(20), "district") == {}


async def test_an_older_version_is_read_with_version(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    setup = await survey_setup(client, world, db, results_published=True)
    await seed_responses(db, world.alpha.id, setup.survey.form, 3)
    r = await client.get(setup.url + "/results", params={"version": 1})
    assert r.status_code == 200 and r.json()["responses"] == 3
    body = assert_problem(await client.get(setup.url + "/results", params={"version": 2}), 404)
    assert body["reason"] == "no_version"
    assert_problem(await client.get(setup.url + "/results", params={"version": 0}), 422)
    # another survey's path does not lead to this questionnaire
    other = setup.comp.survey(uuid.uuid4())
    assert_problem(await client.get(other + "/results", params={"version": 1}), 404)


async def _all(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **query: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **query} | ({"cursor": cursor} if cursor else {})
        r = await client.get(url, params=params, headers=headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_written_answers_and_option_free_texts_are_listed_and_moderated(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    setup = await survey_setup(client, world, db, results_published=True)
    form = setup.survey.form
    given = await seed_responses(db, world.alpha.id, form, 5)
    await submit_other(db, setup.survey, ["A dog park", "Skating"])
    answers = setup.url + "/results/answers"
    listed = await _all(client, answers, {})
    written = [g.answers["name"] for g in given] + [g.answers["ideas"] for g in given if "ideas" in g.answers]
    names = ["Someone", "Someone"]
    assert sorted(i["text"] for i in listed) == sorted([*written, *names, "A dog park", "Skating"])
    assert [i["id"] for i in listed] == sorted(i["id"] for i in listed)
    assert await _all(client, answers, {}, sort="-id") == listed[::-1]
    assert_problem(await client.get(answers, params={"sort": "text"}), 422)
    free = {i["text"]: i for i in listed if i["option_id"] is not None}
    assert set(free) == {"A dog park", "Skating"}
    assert {i["question_id"] for i in free.values()} == {str(form.questions["use"])}
    assert {i["option_id"] for i in free.values()} == {str(form.options["use"][2])}
    only_use = await _all(client, answers, {}, question_id=form.questions["use"])
    assert {i["text"] for i in only_use} == {"A dog park", "Skating"}

    dog = free["A dog park"]
    moderate = f"{answers}/{dog['id']}"
    assert_problem(await client.patch(moderate, json={"hidden": True}), 401)
    assert_problem(
        await client.patch(moderate, json={"hidden": True}, headers=world.headers("participant")), 403
    )
    r = await client.patch(moderate, json={"hidden": True}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json() == {**dog, "hidden": True}
    public = await _all(client, answers, {})
    assert "A dog park" not in {i["text"] for i in public} and len(public) == len(listed) - 1
    managed = await _all(client, answers, world.headers("admin"))
    assert {i["text"]: i["hidden"] for i in managed if i["option_id"]}["A dog park"] is True
    # the hidden free text's choice still counts
    r = await client.get(setup.url + "/results")
    (use,) = [q for q in r.json()["questions"] if q["question_id"] == str(form.questions["use"])]
    assert use["answered"] == 7
    r = await client.patch(moderate, json={"hidden": False}, headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["hidden"] is False
    assert len(await _all(client, answers, {})) == len(listed)
    # a written answer too; an unknown id is a 404
    name_id = given[0].answer_ids["name"]
    r = await client.patch(f"{answers}/{name_id}", json={"hidden": True}, headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["option_id"] is None and r.json()["hidden"] is True
    assert_problem(
        await client.patch(
            f"{answers}/{uuid.uuid4()}", json={"hidden": True}, headers=world.headers("admin")
        ),
        404,
        type_="/problems/forms-text-answer-not-found",
    )
