"""Answering a questionnaire through a module's routes (the probe module mounts the capability's
submission routes): a valid answer to every type stored and read back, edited, and every bad input
refused at once, per question, with nothing written."""

from __future__ import annotations

import uuid
from copy import deepcopy
from typing import Any

import httpx
from sqlalchemy import select, update

from civicapi.core.db.session import Database
from civicapi.forms.models import Question, Questionnaire, Response
from tests.fixtures.factories import World
from tests.forms.helpers import Built, count_rows, every_type_questionnaire
from tests.forms.submission_probe import KEY, body, form_url, probe, valid_answers
from tests.spaces.helpers import assert_problem

__all__ = ["probe"]
INVALID = "/problems/forms-invalid-response"


async def _questionnaire(db: Database, world: World) -> Built:
    return await every_type_questionnaire(db, world.alpha.id, owner=(KEY, "thing", uuid.uuid4()))


async def _owner(db: Database, b: Built) -> uuid.UUID:
    async with db.unit_of_work() as session:
        return (await session.get_one(Questionnaire, b.id)).owner_id


async def _count(db: Database, b: Built) -> int:
    async with db.unit_of_work() as session:
        return (await session.get_one(Questionnaire, b.id, populate_existing=True)).responses_count


async def test_a_valid_answer_to_every_type_is_stored_and_read_back(
    probe: httpx.AsyncClient, db: Database, world: World
) -> None:
    b = await _questionnaire(db, world)
    url, h = form_url(await _owner(db, b)), world.headers("participant")
    answers = valid_answers(b)
    assert_problem(await probe.get(f"{url}/responses/mine", headers=h), 404)
    r = await probe.post(f"{url}/responses", json=body(b, answers), headers=h)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["version"] == 1
    mine = await probe.get(f"{url}/responses/mine", headers=h)
    assert mine.status_code == 200, mine.text
    read = mine.json()
    assert read["id"] == created["id"] and read["respondent"] == created["respondent"]
    by_question = {a["question_id"]: a for a in read["answers"]}
    assert set(by_question) == {str(b.questions[name]) for name in answers}
    assert by_question[str(b.questions["name"])]["text"] == "Marie"
    assert by_question[str(b.questions["age"])]["number"] == 42
    assert by_question[str(b.questions["visit"])]["date"] == "2026-05-01"
    ranking = by_question[str(b.questions["priorities"])]["choices"]
    assert [(c["option_id"], c["position"]) for c in ranking] == [
        (str(b.options["priorities"][1]), 1),
        (str(b.options["priorities"][0]), 2),
        (str(b.options["priorities"][2]), 3),
    ]
    times = by_question[str(b.questions["times"])]["choices"]
    assert sorted((c["option_id"], c["row_id"]) for c in times) == sorted(
        (c["option_id"], c["row_id"]) for c in answers["times"]["choices"]
    )
    rows = await count_rows(db)
    assert rows["forms_response"] == 1 and rows["forms_answer"] == 9 and rows["forms_answer_choice"] == 11
    assert await _count(db, b) == 1
    async with db.unit_of_work() as session:
        response = (await session.scalars(select(Response))).one()
    assert response.user_id == world.users["participant"].id
    assert (response.district, response.age_band, response.is_test) == ("centre", "30-44", False)
    assert_problem(await probe.post(f"{url}/responses", json=body(b, answers)), 401)


def _cases(b: Built) -> list[tuple[str, dict[str, dict[str, Any]], str, str]]:
    """(label, answers, question, reason): each a valid answer with one thing wrong."""
    o, r, q = b.options, b.rows, b.questions
    cases: list[tuple[str, dict[str, dict[str, Any]], str, str]] = []

    def case(label: str, question: str, reason: str, **changes: dict[str, Any] | None) -> None:
        answers = deepcopy(valid_answers(b))
        for name, value in changes.items():
            if value is None:
                answers.pop(name)
            else:
                answers[name] = value
        cases.append((label, answers, question, reason))

    one = {"option_id": str(o["use"][1])}
    case("a title answered", "intro", "not_answerable", intro={"text": "hello"})
    case("text over max characters", "name", "too_long", name={"text": "x" * 51})
    case("mandatory missing", "name", "missing", name=None)
    case("mandatory blank", "name", "missing", name={"text": "   "})
    case(
        "single choice, two options",
        "use",
        "too_many_choices",
        use={"choices": [one, {"option_id": str(o["use"][0])}]},
    )
    case(
        "above max choices",
        "wishes",
        "too_many_choices",
        wishes={"choices": [{"option_id": str(x)} for x in o["wishes"]]},
    )
    case(
        "option of another question",
        "wishes",
        "unknown_option",
        wishes={"choices": [{"option_id": str(o["use"][0])}]},
    )
    case("option of nothing", "use", "unknown_option", use={"choices": [{"option_id": str(uuid.uuid4())}]})
    case(
        "free text without it",
        "use",
        "free_text_not_allowed",
        use={"choices": [{**one, "free_text": "bike"}]},
    )
    case(
        "a matrix row that does not exist",
        "rating",
        "unknown_row",
        rating={"choices": [{"option_id": str(o["rating"][0]), "row_id": str(uuid.uuid4())}]},
    )
    case(
        "a row of another matrix",
        "rating",
        "unknown_row",
        rating={"choices": [{"option_id": str(o["rating"][0]), "row_id": str(r["times"][0])}]},
    )
    case(
        "a matrix choice without row",
        "times",
        "row_required",
        times={"choices": [{"option_id": str(o["times"][0])}]},
    )
    case(
        "a row outside a matrix",
        "use",
        "row_not_allowed",
        use={"choices": [{**one, "row_id": str(r["rating"][0])}]},
    )
    case(
        "matrix single, two in a row",
        "rating",
        "too_many_choices",
        rating={
            "choices": [{"option_id": str(o["rating"][i]), "row_id": str(r["rating"][0])} for i in (0, 2)]
        },
    )
    case(
        "the same choice twice",
        "times",
        "duplicate_choice",
        times={"choices": [{"option_id": str(o["times"][0]), "row_id": str(r["times"][0])}] * 2},
    )
    ranks = o["priorities"]
    case(
        "ranking with a gap",
        "priorities",
        "ranking_positions",
        priorities={
            "choices": [{"option_id": str(x), "position": p} for x, p in zip(ranks, (1, 2, 4), strict=True)]
        },
    )
    case(
        "ranking with a duplicate",
        "priorities",
        "ranking_positions",
        priorities={
            "choices": [{"option_id": str(x), "position": p} for x, p in zip(ranks, (1, 1, 2), strict=True)]
        },
    )
    case(
        "ranking without positions",
        "priorities",
        "ranking_positions",
        priorities={"choices": [{"option_id": str(ranks[0])}]},
    )
    case(
        "a position outside a ranking",
        "wishes",
        "position_not_allowed",
        wishes={"choices": [{"option_id": str(o["wishes"][0]), "position": 1}]},
    )
    case("number above max", "age", "out_of_range", age={"number": 121})
    case("number below min", "age", "out_of_range", age={"number": -1})
    case("decimal for an integer", "age", "not_integer", age={"number": 4.5})
    case("text for a number", "age", "wrong_kind", age={"text": "forty"})
    case("choices for a text", "name", "wrong_kind", name={"choices": [one]})
    case("impossible date", "visit", "not_a_date", visit={"date": "2026-02-30"})
    case("a date not ISO", "visit", "not_a_date", visit={"date": "01/05/2026"})
    case("a datetime", "visit", "not_a_date", visit={"date": "2026-05-01T10:00:00"})
    case("an answer to a hidden question", "conditional", "hidden", conditional={"text": "walks"})
    return [(label, answers, str(q[question]), reason) for label, answers, question, reason in cases]


async def test_every_bad_input_names_its_question_and_reason_and_writes_nothing(
    probe: httpx.AsyncClient, db: Database, world: World
) -> None:
    b = await _questionnaire(db, world)
    url, h = form_url(await _owner(db, b)), world.headers("participant")
    before = await count_rows(db)
    for label, answers, question, reason in _cases(b):
        r = await probe.post(f"{url}/responses", json=body(b, answers), headers=h)
        problem = assert_problem(r, 422, type_=INVALID)
        assert [(e["question"], e["reason"]) for e in problem["errors"]] == [(question, reason)], label
    assert await count_rows(db) == before
    assert await _count(db, b) == 0


async def test_every_problem_is_listed_at_once(probe: httpx.AsyncClient, db: Database, world: World) -> None:
    b = await _questionnaire(db, world)
    other = await _questionnaire(db, world)
    url, h = form_url(await _owner(db, b)), world.headers("participant")
    answers = valid_answers(b)
    answers.update(name={"text": "x" * 80}, age={"number": 500}, visit={"date": "tomorrow"})
    answers.pop("use")
    sent = body(b, answers)
    sent["answers"].append({"question_id": str(other.questions["name"]), "text": "elsewhere"})
    problem = assert_problem(await probe.post(f"{url}/responses", json=sent, headers=h), 422, type_=INVALID)
    found = {(e["question"], e["reason"]) for e in problem["errors"]}
    assert found == {
        (str(other.questions["name"]), "unknown_question"),
        (str(b.questions["name"]), "too_long"),
        (str(b.questions["use"]), "missing"),
        (str(b.questions["age"]), "out_of_range"),
        (str(b.questions["visit"]), "not_a_date"),
    }
    limits = next(e for e in problem["errors"] if e["reason"] == "out_of_range")
    assert (limits["min"], limits["max"]) == (0, 120)
    assert (await count_rows(db))["forms_response"] == 0


async def test_a_shown_question_takes_an_answer_and_is_mandatory_only_when_shown(
    probe: httpx.AsyncClient, db: Database, world: World
) -> None:
    b = await _questionnaire(db, world)
    async with db.unit_of_work() as session:
        await session.execute(
            update(Question).where(Question.id == b.questions["conditional"]).values(mandatory=True)
        )
    url, h = form_url(await _owner(db, b)), world.headers("participant")
    walk = {"choices": [{"option_id": str(b.options["use"][0])}]}
    # "walk" shows the conditional question, now mandatory: left out, it is missing
    problem = assert_problem(
        await probe.post(f"{url}/responses", json=body(b, {**valid_answers(b), "use": walk}), headers=h), 422
    )
    assert [(e["question"], e["reason"]) for e in problem["errors"]] == [
        (str(b.questions["conditional"]), "missing")
    ]
    # hidden ("sport"), it is not missing; shown and answered, it is stored
    r = await probe.post(f"{url}/responses", json=body(b, valid_answers(b)), headers=world.headers("staff"))
    assert r.status_code == 201, r.text
    answers = {**valid_answers(b), "use": walk, "conditional": {"text": "Le matin"}}
    r = await probe.post(f"{url}/responses", json=body(b, answers), headers=h)
    assert r.status_code == 201, r.text
    assert str(b.questions["conditional"]) in {a["question_id"] for a in r.json()["answers"]}
    assert await _count(db, b) == 2


async def test_free_text_may_stay_empty_on_an_option_that_takes_it(
    probe: httpx.AsyncClient, db: Database, world: World
) -> None:
    b = await _questionnaire(db, world)
    url, h = form_url(await _owner(db, b)), world.headers("participant")
    other = str(b.options["use"][2])
    r = await probe.post(
        f"{url}/responses",
        json=body(b, {**valid_answers(b), "use": {"choices": [{"option_id": other}]}}),
        headers=h,
    )
    assert r.status_code == 201, r.text
    said = {**valid_answers(b), "use": {"choices": [{"option_id": other, "free_text": "vélo"}]}}
    r = await probe.put(f"{url}/responses/mine", json=body(b, said), headers=h)
    assert r.status_code == 200, r.text
    use = next(a for a in r.json()["answers"] if a["question_id"] == str(b.questions["use"]))
    assert use["choices"] == [{"option_id": other, "row_id": None, "position": None, "free_text": "vélo"}]


async def test_editing_replaces_the_answers_keeps_the_respondent_and_the_count(
    probe: httpx.AsyncClient, db: Database, world: World
) -> None:
    b = await _questionnaire(db, world)
    url, h = form_url(await _owner(db, b)), world.headers("participant")
    assert_problem(await probe.put(f"{url}/responses/mine", json=body(b, valid_answers(b)), headers=h), 404)
    first = (await probe.post(f"{url}/responses", json=body(b, valid_answers(b)), headers=h)).json()
    changed = valid_answers(b)
    changed.pop("ideas")
    changed["name"] = {"text": "Marie-Claire"}
    bad = {**changed, "age": {"number": 300}}
    assert_problem(await probe.put(f"{url}/responses/mine", json=body(b, bad), headers=h), 422, type_=INVALID)
    r = await probe.put(f"{url}/responses/mine", json=body(b, changed), headers=h)
    assert r.status_code == 200, r.text
    mine = (await probe.get(f"{url}/responses/mine", headers=h)).json()
    assert (mine["id"], mine["respondent"]) == (first["id"], first["respondent"])
    texts = {a["question_id"]: a["text"] for a in mine["answers"]}
    assert texts[str(b.questions["name"])] == "Marie-Claire" and str(b.questions["ideas"]) not in texts
    rows = await count_rows(db)
    assert rows["forms_response"] == 1 and rows["forms_answer"] == 8 and rows["forms_answer_choice"] == 11
    assert await _count(db, b) == 1
    assert_problem(await probe.get(f"{url}/responses/mine", headers=world.headers("staff")), 404)


async def test_terms_must_be_accepted_when_the_questionnaire_has_them(
    probe: httpx.AsyncClient, db: Database, world: World
) -> None:
    b = await _questionnaire(db, world)
    async with db.unit_of_work() as session:
        await session.execute(
            update(Questionnaire).where(Questionnaire.id == b.id).values(terms={"fr": "J'accepte."})
        )
    url, h = form_url(await _owner(db, b)), world.headers("participant")
    problem = assert_problem(
        await probe.post(f"{url}/responses", json=body(b, valid_answers(b)), headers=h), 422
    )
    assert [(e["question"], e["reason"]) for e in problem["errors"]] == [(None, "terms_not_accepted")]
    assert (await count_rows(db))["forms_response"] == 0
    r = await probe.post(f"{url}/responses", json=body(b, valid_answers(b), terms_accepted=True), headers=h)
    assert r.status_code == 201, r.text


async def test_a_superseded_version_takes_no_answer(
    probe: httpx.AsyncClient, db: Database, world: World
) -> None:
    b = await _questionnaire(db, world)
    async with db.unit_of_work() as session:
        q = await session.get_one(Questionnaire, b.id)
        q.superseded_at = q.created_at
    url, h = form_url(await _owner(db, b)), world.headers("participant")
    r = await probe.post(f"{url}/responses", json=body(b, valid_answers(b)), headers=h)
    assert_problem(r, 409, type_="/problems/forms-questionnaire-superseded")
    assert (await count_rows(db))["forms_response"] == 0


async def test_the_body_is_strict(probe: httpx.AsyncClient, db: Database, world: World) -> None:
    b = await _questionnaire(db, world)
    url, h = form_url(await _owner(db, b)), world.headers("participant")
    for wrong in (
        {**body(b, valid_answers(b)), "extra": 1},
        {"answers": [{"question_id": str(b.questions["age"]), "number": "42"}]},
        {**body(b, valid_answers(b)), "terms_accepted": "yes"},
    ):
        assert_problem(await probe.post(f"{url}/responses", json=wrong, headers=h), 422)
    assert (await count_rows(db))["forms_response"] == 0
