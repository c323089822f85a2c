"""Sealing a survey at close: the register's links to responses are emptied, and an anonymous survey's
responses (with their answers and chosen options) are re-issued under new random ids, written in a random
order, the old rows deleted; the results do not change."""

from __future__ import annotations

import random

import httpx
import pytest

from civicapi.core.db.session import Database
from civicapi.forms import repository_seal, service_seal
from civicapi.modules.surveys.management.rules import owner_of
from tests.fixtures.factories import World
from tests.modules.surveys.helpers import insert_survey, make_component, survey_row
from tests.modules.surveys.management_helpers import answered, ids_of, links, names_in_table_order, results


class Reversing(random.Random):
    """A "shuffle" that reverses, and remembers the order it made (to know where each response went)."""

    order: list[object]

    def shuffle(self, x: list[object]) -> None:  # type: ignore[override]
        x.reverse()
        self.order = list(x)


async def test_the_seal_reissues_every_response_in_the_new_order_with_the_same_results(
    client: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository_seal, "CHUNK", 5)  # 12 responses: three chunks
    comp = await make_component(client, world)
    survey = await insert_survey(db, comp, anonymous=True)
    given = await answered(db, survey, 12)
    name_of = {g.id: g.answers["name"] for g in given}
    before_ids = await ids_of(db, survey.form.id)
    before = await results(db, survey.form.id)
    assert before["responses"] == 12

    rng = Reversing()
    async with db.unit_of_work() as session:
        row = await survey_row(db, survey.id)
        sealed = await service_seal.seal_responses(session, owner_of(row.commune_id, survey.id), rng=rng)
    assert sealed == 12

    after_ids = await ids_of(db, survey.form.id)
    assert len(after_ids) == len(before_ids) and not after_ids & before_ids
    assert await results(db, survey.form.id) == before
    # the rows lie in the table in the order the shuffle made, not in the order they came in
    assert await names_in_table_order(db, survey.form.questions["name"]) == [name_of[i] for i in rng.order]  # type: ignore[index]


async def test_closing_an_anonymous_survey_seals_it_and_unlinks_the_register(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    survey = await insert_survey(db, comp, anonymous=True, allow_editing=True)
    given = await answered(db, survey, 6)
    assert sorted(map(str, await links(db, survey.id))) == sorted(str(g.id) for g in given)
    before_ids = await ids_of(db, survey.form.id)
    before = await results(db, survey.form.id)

    r = await client.post(comp.survey(survey.id) + "/close", headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed" and r.json()["open"] is False and r.json()["closed_at"]
    assert r.json()["answers_count"] == 6

    assert await links(db, survey.id) == [None] * 6
    after_ids = await ids_of(db, survey.form.id)
    assert len(after_ids) == len(before_ids) and not after_ids & before_ids
    assert await results(db, survey.form.id) == before


async def test_closing_a_survey_that_is_not_anonymous_unlinks_the_register_and_keeps_the_responses(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    survey = await insert_survey(db, comp, allow_editing=True)
    await answered(db, survey, 3)
    before_ids = await ids_of(db, survey.form.id)

    r = await client.post(comp.survey(survey.id) + "/close", headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    assert await links(db, survey.id) == [None] * 3
    assert await ids_of(db, survey.form.id) == before_ids
