"""The results routes as a module mounts them (a probe module owning "things"), both backends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.forms.models import Answer
from tests.fixtures.factories import World
from tests.forms.helpers import count_rows, every_type_questionnaire
from tests.forms.results_helpers import seed_responses
from tests.forms.results_probe import PUBLISHED, probe_client
from tests.spaces.helpers import assert_problem


@pytest.fixture
async def probe(settings: Settings, db: Database, world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with probe_client(settings, db, world) as client:
        yield client


async def test_results_are_public_once_published(
    probe: httpx.AsyncClient, db: Database, world: World
) -> None:
    thing = uuid.uuid4()
    built = await every_type_questionnaire(db, world.alpha.id, owner=("probe", "thing", thing))
    await seed_responses(db, world.alpha.id, built, 8)
    url = f"/v1/communes/alpha/probe/things/{thing}/results"
    assert_problem(await probe.get(url), 401)
    assert_problem(await probe.get(url, headers=world.headers("participant")), 403)
    r = await probe.get(url, headers=world.headers("moderator"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["responses"], body["published"], body["version"]) == (8, False, 1)
    assert len(body["questions"]) == 11
    PUBLISHED.add(built.id)
    try:
        r = await probe.get(url)
        assert r.status_code == 200 and r.json()["published"] is True
        assert r.json()["questions"] == body["questions"]
    finally:
        PUBLISHED.discard(built.id)
    # another commune's thing does not exist there; a thing without a questionnaire neither
    assert_problem(
        await probe.get(f"/v1/communes/beta/probe/things/{thing}/results", headers=world.headers("platform")),
        404,
    )
    assert_problem(await probe.get(f"/v1/communes/alpha/probe/things/{uuid.uuid4()}/results"), 404)


async def _texts(
    probe: httpx.AsyncClient, url: str, headers: dict[str, str], **query: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 3, **query} | ({"cursor": cursor} if cursor else {})
        r = await probe.get(url, params=params, headers=headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            assert "link" not in r.headers
            return items
        assert 'rel="next"' in r.headers["link"]


async def test_written_answers_paged_and_moderated(
    probe: httpx.AsyncClient, db: Database, world: World
) -> None:
    thing = uuid.uuid4()
    built = await every_type_questionnaire(db, world.alpha.id, owner=("probe", "thing", thing))
    given = await seed_responses(db, world.alpha.id, built, 10)
    await seed_responses(db, world.alpha.id, built, 3, seed=7, is_test=True)
    PUBLISHED.add(built.id)
    try:
        base = f"/v1/communes/alpha/probe/things/{thing}/results/answers"
        ideas = built.questions["ideas"]
        expected = sorted(
            (str(g.answer_ids["ideas"]), g.answers["ideas"]) for g in given if "ideas" in g.answers
        )
        listed = await _texts(probe, base, {}, question_id=str(ideas))
        assert sorted((a["id"], a["text"]) for a in listed) == expected
        assert len(await _texts(probe, base, {})) == len(expected) + 10  # and the 10 names
        hidden_id = expected[0][0]
        mod = world.headers("moderator")
        # moderating needs the permission; an unknown answer, or one of another question kind, is 404
        assert_problem(await probe.patch(f"{base}/{hidden_id}", json={"hidden": True}), 401)
        assert_problem(
            await probe.patch(
                f"{base}/{hidden_id}", json={"hidden": True}, headers=world.headers("participant")
            ),
            403,
        )
        r = await probe.patch(f"{base}/{uuid.uuid4()}", json={"hidden": True}, headers=mod)
        assert assert_problem(r, 404)["type"] == "/problems/forms-text-answer-not-found"
        before = await count_rows(db)
        assert_problem(await probe.patch(f"{base}/{hidden_id}", json={"hidden": "yes"}, headers=mod), 422)
        assert await count_rows(db) == before
        r = await probe.patch(f"{base}/{hidden_id}", json={"hidden": True}, headers=mod)
        assert r.status_code == 200 and r.json()["hidden"] is True
        public = await _texts(probe, base, {}, question_id=str(ideas))
        assert hidden_id not in [a["id"] for a in public] and len(public) == len(expected) - 1
        managers = await _texts(probe, base, mod, question_id=str(ideas))
        assert [a["hidden"] for a in managers if a["id"] == hidden_id] == [True]
        # it still counts in the results
        results = (await probe.get(base.removesuffix("/answers"))).json()
        answered = next(q for q in results["questions"] if q["question_id"] == str(ideas))["answered"]
        assert answered == len(expected)
        r = await probe.patch(f"{base}/{hidden_id}", json={"hidden": False}, headers=mod)
        assert r.json()["hidden"] is False
        assert len(await _texts(probe, base, {}, question_id=str(ideas))) == len(expected)
        async with db.unit_of_work(readonly=True) as session:
            assert (await session.get(Answer, uuid.UUID(hidden_id))) is not None
    finally:
        PUBLISHED.discard(built.id)
    # unpublished: the written answers are the managers' only
    assert_problem(await probe.get(base), 401)
