"""The forms tables hold their invariants whatever a service forgets, and the test builder writes a
questionnaire with every question type."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from civicapi.core.db.session import Database
from civicapi.forms.models import Question, Questionnaire
from tests.fixtures.factories import World
from tests.forms.helpers import count_rows, every_type_questionnaire


async def test_a_questionnaire_of_every_type(world: World, db: Database) -> None:
    built = await every_type_questionnaire(db, world.alpha.id)
    assert len(built.questions) == 11
    assert len(built.options["use"]) == 3 and built.rows["rating"] and not built.options["name"]
    assert (await count_rows(db))["forms_question"] == 11


@pytest.mark.parametrize(
    "fields",
    [
        {"question_type": "essay"},
        {"question_type": "multiple_choice", "min_choices": 3, "max_choices": 2},
        {"question_type": "number", "number_min": 10, "number_max": 1},
        {"question_type": "short_answer", "page": 0},
    ],
    ids=["unknown_type", "choices_inverted", "range_inverted", "page_zero"],
)
async def test_the_question_table_refuses_what_no_question_can_be(
    world: World, db: Database, fields: dict[str, object]
) -> None:
    async with db.unit_of_work() as session:
        q = Questionnaire(
            commune_id=world.alpha.id, owner_module="example", owner_type="thing", owner_id=uuid.uuid4()
        )
        session.add(q)
    before = await count_rows(db)
    with pytest.raises(IntegrityError):
        async with db.unit_of_work() as session:
            session.add(
                Question(commune_id=world.alpha.id, questionnaire_id=q.id, body={"fr": "?"}, **fields)
            )
    assert await count_rows(db) == before
