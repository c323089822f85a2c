"""Questionnaire definitions through the routes a module mounts (``definition_router``) on a probe
module: creating, the rules of each type and of display conditions (422 with reasons, nothing written),
wording versus structure once a response exists, and new versions copying and remapping."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import Path
from sqlalchemy import func, select, update

from civicapi.config import Settings
from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.core.routing import GuardedRouter
from civicapi.forms.models import Questionnaire, Response
from civicapi.forms.router_factory import definition_router
from civicapi.main import create_app
from civicapi.registry import CivicModule, load_modules
from tests.fixtures.factories import World
from tests.forms.helpers import count_rows
from tests.spaces.helpers import assert_problem


@dataclass
class Thing:
    id: uuid.UUID


async def valid_thing(thing_id: uuid.UUID = Path()) -> Thing:
    return Thing(thing_id)


router = GuardedRouter()
router.include_router(
    definition_router(valid_thing, "spaces.manage", "formprobe", "thing"), prefix="/things/{thing_id}/form"
)
PROBE = CivicModule(key="formprobe", title={"en": "Form probe"}, router=router)


@pytest.fixture
async def probe(settings: Settings, db: Database, world: World) -> Any:
    app = create_app(settings, registry=load_modules(None, extra=[PROBE]), database=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        h = world.headers("admin")
        assert (await c.put("/v1/communes/alpha/modules/formprobe", json={}, headers=h)).status_code == 200
        yield c


def url(thing: uuid.UUID, *parts: str) -> str:
    return "/".join([f"/v1/communes/alpha/formprobe/things/{thing}/form", *parts]).rstrip("/")


def questions(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [q for page in body["pages"] for q in page["questions"]]


async def counts(db: Database) -> dict[str, int]:
    out = await count_rows(db)
    async with db.unit_of_work() as session:
        out["audit"] = (await session.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
    return out


async def setup(probe: httpx.AsyncClient, h: dict[str, str]) -> tuple[uuid.UUID, dict[str, Any]]:
    thing = uuid.uuid4()
    r = await probe.put(
        url(thing), json={"title": {"fr": "Inscription"}, "terms": {"fr": "J'accepte"}}, headers=h
    )
    assert r.status_code == 200, r.text
    choice = {
        "question_type": "single_choice",
        "body": {"fr": "Repas"},
        "mandatory": True,
        "options": [{"body": {"fr": "Viande"}}, {"body": {"fr": "Autre"}, "free_text": True}],
    }
    assert (await probe.post(url(thing, "questions"), json=choice, headers=h)).status_code == 201
    text = {"question_type": "short_answer", "body": {"fr": "Nom"}, "max_characters": 40, "page": 2}
    r = await probe.post(url(thing, "questions"), json=text, headers=h)
    assert r.status_code == 201, r.text
    return thing, r.json()


async def made(
    probe: httpx.AsyncClient, world: World
) -> tuple[dict[str, str], uuid.UUID, dict[str, Any], dict[str, Any]]:
    """The admin's headers and a questionnaire of a choice (page 1) and a short answer (page 2)."""
    h = world.headers("admin")
    thing, body = await setup(probe, h)
    first, second = questions(body)
    return h, thing, first, second


async def test_a_questionnaire_is_created_and_read_by_page(
    probe: httpx.AsyncClient, world: World, db: Database
) -> None:
    h = world.headers("admin")
    thing = uuid.uuid4()
    assert assert_problem(await probe.get(url(thing)), 404)["reason"] == "no_questionnaire"
    assert_problem(await probe.put(url(thing), json={"title": {"fr": "X"}}), 401)
    thing, body = await setup(probe, h)
    first, _ = questions(body)
    conditional = {
        "question_type": "long_answer",
        "body": {"fr": "Précisez"},
        "page": 2,
        "conditions": {
            "rules": [{"question_id": first["id"], "kind": "equals", "option_id": first["options"][1]["id"]}]
        },
    }
    r = await probe.post(url(thing, "questions"), json=conditional, headers=h)
    assert r.status_code == 201, r.text
    public = (await probe.get(url(thing))).json()
    assert [p["page"] for p in public["pages"]] == [1, 2]
    assert [q["body"]["fr"] for q in questions(public)] == ["Repas", "Nom", "Précisez"]
    assert [o["body"]["fr"] for o in first["options"]] == ["Viande", "Autre"] and first["options"][1][
        "free_text"
    ]
    assert public["terms"] == {"fr": "J'accepte"} and public["version"] == 1
    async with db.unit_of_work() as session:
        actions = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.changes).where(AuditEntry.action.like("forms.%"))
            )
        ).all()
    assert {a for a, _ in actions} >= {"forms.questionnaire.create", "forms.question.create"}
    assert all(c["owner"] == {"module": "formprobe", "type": "thing", "id": str(thing)} for _, c in actions)


BAD = [
    ({"question_type": "short_answer", "body": {"fr": "x"}, "min_choices": 1}, "field_not_for_type"),
    (
        {"question_type": "number", "body": {"fr": "x"}, "number_min": 5, "number_max": 1},
        "number_range_inverted",
    ),
    ({"question_type": "single_choice", "body": {"fr": "x"}}, "options_required"),
    (
        {
            "question_type": "multiple_choice",
            "body": {"fr": "x"},
            "min_choices": 3,
            "options": [{"body": {"fr": "a"}}],
        },
        "too_many_choices",
    ),
    (
        {"question_type": "matrix_single", "body": {"fr": "x"}, "options": [{"body": {"fr": "a"}}]},
        "rows_required",
    ),
    ({"question_type": "short_answer", "body": {"de": "x"}}, "unknown_locale"),
    (
        {"question_type": "date", "body": {"fr": "x"}, "options": [{"body": {"fr": "a"}}]},
        "options_not_for_type",
    ),
    (
        {
            "question_type": "matrix_multiple",
            "body": {"fr": "x"},
            "max_choices": 2,
            "options": [{"body": {"fr": "a"}}],
            "rows": [{"body": {"fr": "r"}}],
        },
        "field_not_for_type",
    ),
]


@pytest.mark.parametrize(("question", "reason"), BAD)
async def test_bad_questions_are_refused_with_reasons(
    probe: httpx.AsyncClient, world: World, db: Database, question: dict[str, Any], reason: str
) -> None:
    thing, _ = await setup(probe, world.headers("admin"))
    before = await counts(db)
    r = await probe.post(url(thing, "questions"), json=question, headers=world.headers("admin"))
    problem = assert_problem(r, 422)
    assert problem.get("reason", problem["errors"][0]["code"]) == reason
    assert await counts(db) == before


async def test_conditions_refer_to_earlier_questions_and_their_options(
    probe: httpx.AsyncClient, world: World, db: Database
) -> None:
    h, thing, first, second = await made(probe, world)
    before = await counts(db)
    cases = [
        ({"question_id": str(uuid.uuid4()), "kind": "answered"}, 1, "condition_unknown_question"),
        (
            {"question_id": first["id"], "kind": "equals", "option_id": str(uuid.uuid4())},
            1,
            "condition_unknown_option",
        ),
        ({"question_id": first["id"], "kind": "equals"}, 1, "condition_operand"),
        ({"question_id": second["id"], "kind": "answered"}, 1, "condition_not_earlier"),
        (
            {"question_id": first["id"], "kind": "contains", "option_id": first["options"][0]["id"]},
            3,
            "condition_operand",
        ),
        ({"question_id": second["id"], "kind": "equals", "text": "Dupont"}, 3, "condition_not_applicable"),
        ({"question_id": first["id"], "kind": "answered", "text": "x"}, 3, "condition_operand"),
    ]
    for rule, page, reason in cases:
        q = {
            "question_type": "long_answer",
            "body": {"fr": "x"},
            "page": page,
            "conditions": {"rules": [rule]},
        }
        r = await probe.post(url(thing, "questions"), json=q, headers=h)
        assert assert_problem(r, 422)["reason"] == reason, rule
    many = {"question_type": "long_answer", "body": {"fr": "x"}, "page": 3}
    many["conditions"] = {"rules": [{"question_id": first["id"], "kind": "answered"}] * 21}
    assert_problem(await probe.post(url(thing, "questions"), json=many, headers=h), 422)
    # moving the referred question after the conditional one breaks the rule: refused
    ok = {"question_type": "long_answer", "body": {"fr": "x"}, "page": 3}
    ok["conditions"] = {
        "combine": "any",
        "rules": [{"question_id": second["id"], "kind": "contains", "text": "a"}],
    }
    assert (await probe.post(url(thing, "questions"), json=ok, headers=h)).status_code == 201
    before = await counts(db)
    r = await probe.patch(url(thing, "questions", second["id"]), json={"page": 4}, headers=h)
    assert assert_problem(r, 422)["reason"] == "condition_not_earlier"
    assert await counts(db) == before


async def respond(db: Database, thing: uuid.UUID) -> None:
    """A response written straight into the tables, counted as submitting does (a conditional UPDATE)."""
    async with db.unit_of_work() as session:
        q = (await session.execute(select(Questionnaire).where(Questionnaire.owner_id == thing))).scalar_one()
        session.add(Response(commune_id=q.commune_id, questionnaire_id=q.id))
        await session.execute(
            update(Questionnaire)
            .where(Questionnaire.id == q.id)
            .values(responses_count=Questionnaire.responses_count + 1)
        )


async def test_after_a_response_only_wording_changes(
    probe: httpx.AsyncClient, world: World, db: Database
) -> None:
    h, thing, first, second = await made(probe, world)
    await respond(db, thing)
    before = await counts(db)
    refused = [
        probe.post(url(thing, "questions"), json={"question_type": "date", "body": {"fr": "x"}}, headers=h),
        probe.patch(url(thing, "questions", second["id"]), json={"mandatory": True}, headers=h),
        probe.delete(url(thing, "questions", first["id"]), headers=h),
        probe.post(
            url(thing, "questions", first["id"], "options"), json={"body": {"fr": "Poisson"}}, headers=h
        ),
        probe.patch(
            url(thing, "questions", first["id"], "options", first["options"][0]["id"]),
            json={"free_text": True},
            headers=h,
        ),
        probe.put(url(thing, "questions", "order"), json={"ids": [second["id"], first["id"]]}, headers=h),
    ]
    for call in refused:
        problem = assert_problem(await call, 409)
        assert problem["reason"] == "has_responses" and problem["way_out"] == "new_version"
    assert await counts(db) == before
    r = await probe.patch(
        url(thing, "questions", second["id"]), json={"body": {"fr": "Nom complet"}}, headers=h
    )
    assert r.status_code == 200, r.text
    option = url(thing, "questions", first["id"], "options", first["options"][0]["id"])
    assert (await probe.patch(option, json={"body": {"fr": "Boeuf"}}, headers=h)).status_code == 200
    assert (await probe.put(url(thing), json={"title": {"fr": "Inscriptions"}}, headers=h)).status_code == 200
    async with db.unit_of_work() as session:
        rewords = (
            (await session.execute(select(AuditEntry.action).where(AuditEntry.action.like("%reword"))))
            .scalars()
            .all()
        )
    assert sorted(rewords) == ["forms.option.reword", "forms.question.reword", "forms.questionnaire.reword"]


async def test_a_new_version_copies_and_remaps(probe: httpx.AsyncClient, world: World, db: Database) -> None:
    h = world.headers("admin")
    thing, body = await setup(probe, h)
    first, _ = questions(body)
    rule = {"question_id": first["id"], "kind": "equals", "option_id": first["options"][1]["id"]}
    q = {
        "question_type": "long_answer",
        "body": {"fr": "Précisez"},
        "page": 2,
        "conditions": {"rules": [rule]},
    }
    assert (await probe.post(url(thing, "questions"), json=q, headers=h)).status_code == 201
    old = (await probe.get(url(thing))).json()
    await respond(db, thing)
    r = await probe.post(url(thing, "new-version"), headers=h)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["version"] == 2 and new["id"] != old["id"] and new["responses_count"] == 0
    old_q, new_q = questions(old), questions(new)
    assert [q["body"] for q in new_q] == [q["body"] for q in old_q]
    assert {q["id"] for q in new_q}.isdisjoint({q["id"] for q in old_q})
    copied = new_q[2]["conditions"]["rules"][0]
    assert copied["question_id"] == new_q[0]["id"] and copied["option_id"] == new_q[0]["options"][1]["id"]
    assert (await probe.get(url(thing))).json()["id"] == new["id"]
    # the new version's structure may change; the old one keeps its response
    r = await probe.post(
        url(thing, "questions"), json={"question_type": "date", "body": {"fr": "Date"}}, headers=h
    )
    assert r.status_code == 201, r.text
    async with db.unit_of_work() as session:
        versions = (
            (await session.execute(select(Questionnaire).order_by(Questionnaire.version))).scalars().all()
        )
    assert [(v.version, v.responses_count, v.superseded_at is not None) for v in versions] == [
        (1, 1, True),
        (2, 0, False),
    ]


async def test_options_and_rows_are_ordered_and_edited(
    probe: httpx.AsyncClient, world: World, db: Database
) -> None:
    h, thing, first, _ = await made(probe, world)
    options = url(thing, "questions", first["id"], "options")
    r = await probe.post(options, json={"body": {"fr": "Poisson"}, "position": 0}, headers=h)
    assert r.status_code == 201, r.text
    got = questions(r.json())[0]["options"]
    assert [o["body"]["fr"] for o in got] == ["Poisson", "Viande", "Autre"]
    assert [o["position"] for o in got] == [0, 1, 2]
    ids = [o["id"] for o in got]
    r = await probe.put(options + "/order", json={"ids": [ids[2], ids[0], ids[1]]}, headers=h)
    assert [o["body"]["fr"] for o in questions(r.json())[0]["options"]] == ["Autre", "Poisson", "Viande"]
    bad = await probe.put(options + "/order", json={"ids": ids[:2]}, headers=h)
    assert assert_problem(bad, 422)["reason"] == "not_a_permutation"
    r = await probe.patch(f"{options}/{ids[0]}", json={"free_text": True}, headers=h)
    assert r.status_code == 200 and questions(r.json())[0]["options"][1]["free_text"]
    assert (await probe.delete(f"{options}/{ids[0]}", headers=h)).status_code == 204
    left = questions((await probe.get(url(thing))).json())[0]["options"]
    assert [(o["body"]["fr"], o["position"]) for o in left] == [("Autre", 0), ("Viande", 1)]
    # a matrix: its rows; an option of a matrix takes no free text; rows are only for matrices
    matrix = {
        "question_type": "matrix_single",
        "body": {"fr": "Notez"},
        "options": [{"body": {"fr": "Bien"}}, {"body": {"fr": "Mal"}}],
        "rows": [{"body": {"fr": "Accueil"}}],
    }
    r = await probe.post(url(thing, "questions"), json=matrix, headers=h)
    assert r.status_code == 201, r.text
    mq = next(q for q in questions(r.json()) if q["question_type"] == "matrix_single")
    rows = url(thing, "questions", mq["id"], "rows")
    r = await probe.post(rows, json={"body": {"fr": "Repas"}}, headers=h)
    assert [x["body"]["fr"] for x in next(q for q in questions(r.json()) if q["id"] == mq["id"])["rows"]] == [
        "Accueil",
        "Repas",
    ]
    before = await counts(db)
    free = await probe.post(
        url(thing, "questions", mq["id"], "options"), json={"body": {"fr": "?"}, "free_text": True}, headers=h
    )
    assert assert_problem(free, 422)["reason"] == "field_not_for_type"
    no_rows = await probe.post(
        url(thing, "questions", first["id"], "rows"), json={"body": {"fr": "x"}}, headers=h
    )
    assert assert_problem(no_rows, 422)["reason"] == "rows_not_for_type"
    last = await probe.delete(f"{rows}/{mq['rows'][0]['id']}", headers=h)
    assert last.status_code == 204
    only = next(q for q in questions((await probe.get(url(thing))).json()) if q["id"] == mq["id"])["rows"]
    assert (
        assert_problem(await probe.delete(f"{rows}/{only[0]['id']}", headers=h), 422)["reason"]
        == "rows_required"
    )
    assert (await counts(db))["forms_matrix_row"] == before["forms_matrix_row"] - 1


async def test_a_referred_option_or_question_cannot_go_and_strangers_cannot_edit(
    probe: httpx.AsyncClient, world: World, db: Database
) -> None:
    h, thing, first, second = await made(probe, world)
    rule = {"question_id": first["id"], "kind": "equals", "option_id": first["options"][0]["id"]}
    q = {"question_type": "date", "body": {"fr": "Quand"}, "page": 2, "conditions": {"rules": [rule]}}
    r = await probe.post(url(thing, "questions"), json=q, headers=h)
    assert r.status_code == 201, r.text
    third = questions(r.json())[2]["id"]
    before = await counts(db)
    option = url(thing, "questions", first["id"], "options", first["options"][0]["id"])
    assert assert_problem(await probe.delete(option, headers=h), 422)["reason"] == "condition_unknown_option"
    gone = await probe.delete(url(thing, "questions", first["id"]), headers=h)
    assert assert_problem(gone, 422)["reason"] == "condition_unknown_question"
    order = await probe.put(
        url(thing, "questions", "order"), json={"ids": [third, second["id"], first["id"]]}, headers=h
    )
    assert order.status_code == 200, order.text
    # each question keeps its page: page 1 before page 2
    assert [q["id"] for q in questions(order.json())] == [first["id"], third, second["id"]]
    assert await counts(db) == before | {"audit": before["audit"] + 1}
    other, _ = await setup(probe, h)
    before = await counts(db)
    foreign = await probe.patch(url(other, "questions", first["id"]), json={"mandatory": False}, headers=h)
    assert assert_problem(foreign, 404)["reason"] == "no_question"
    participant = world.headers("participant")
    assert_problem(await probe.post(url(thing, "questions"), json=q, headers=participant), 403)
    assert_problem(await probe.put(url(thing), json={"title": {"fr": "X"}}, headers=participant), 403)
    assert (await probe.get(url(thing), headers=participant)).status_code == 200
    assert await counts(db) == before
