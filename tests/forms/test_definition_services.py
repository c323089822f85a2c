"""The definition services as a module calls them: get or create an owner's questionnaire, and the
structure rule decided by the database (a response counted after the questionnaire was read still
freezes it), on both backends."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import update

from civicapi.core.db.session import Database
from civicapi.forms import service_definition as definitions
from civicapi.forms import service_structure as structure
from civicapi.forms import service_versions as versions
from civicapi.forms.exceptions import FormDefinitionConflict
from civicapi.forms.models import Questionnaire
from civicapi.forms.schemas_definition import QuestionCreate, QuestionUpdate
from civicapi.forms.service_definition import Editing, FormOwner
from tests.fixtures.factories import World
from tests.forms.helpers import Built, count_rows, every_type_questionnaire


async def built_form(db: Database, world: World) -> tuple[Built, FormOwner, Questionnaire]:
    """A questionnaire of every type, its owner, and the questionnaire as read then (detached)."""
    thing = uuid.uuid4()
    built = await every_type_questionnaire(db, world.alpha.id, owner=("example", "thing", thing))
    owner = FormOwner(world.alpha.id, "example", "thing", thing, ("fr",))
    async with db.unit_of_work() as session:
        return built, owner, await definitions.current_or_404(session, owner)


async def test_get_or_create_answers_the_current_version(db: Database, world: World) -> None:
    owner = FormOwner(world.alpha.id, "agenda", "meeting", uuid.uuid4(), ("fr", "nl"))
    async with db.unit_of_work() as session:
        made = await definitions.get_or_create(session, owner, title={"fr": "Inscription"})
        again = await definitions.get_or_create(session, owner, title={"fr": "Autre"})
        assert again.id == made.id and again.title == {"fr": "Inscription"} and made.version == 1
        read = await definitions.read(session, made)
        assert read.pages == [] and read.responses_count == 0


async def test_a_response_counted_after_reading_freezes_the_structure(db: Database, world: World) -> None:
    built, owner, stale = await built_form(db, world)
    assert stale.responses_count == 0
    async with db.unit_of_work() as session:  # a first response, as submitting counts it
        await session.execute(
            update(Questionnaire)
            .where(Questionnaire.id == built.id, Questionnaire.responses_count == 0)
            .values(responses_count=Questionnaire.responses_count + 1)
        )
    before = await count_rows(db)
    new = QuestionCreate.model_validate({"question_type": "date", "body": {"fr": "Quand"}})
    with pytest.raises(FormDefinitionConflict) as refused:
        async with db.unit_of_work() as session:
            await structure.add_question(Editing(session, owner, stale), new)
    assert refused.value.extras["reason"] == "has_responses"
    with pytest.raises(FormDefinitionConflict):
        async with db.unit_of_work() as session:
            change = QuestionUpdate.model_validate({"mandatory": False})
            await structure.update_question(Editing(session, owner, stale), built.questions["name"], change)
    assert await count_rows(db) == before
    async with db.unit_of_work() as session:  # wording still changes
        reword = QuestionUpdate.model_validate({"body": {"fr": "Votre nom"}})
        await structure.update_question(Editing(session, owner, stale), built.questions["name"], reword)
    async with db.unit_of_work() as session:
        read = await definitions.read(session, await definitions.current_or_404(session, owner))
    name = next(q for p in read.pages for q in p.questions if q.id == built.questions["name"])
    assert name.body == {"fr": "Votre nom"} and name.mandatory


async def test_a_new_version_of_every_type_copies_options_rows_and_conditions(
    db: Database, world: World
) -> None:
    built, owner, old = await built_form(db, world)
    async with db.unit_of_work() as session:
        copy = await versions.new_version(Editing(session, owner, old))
        before, after = await definitions.read(session, old), await definitions.read(session, copy)
    assert (copy.version, before.superseded_at is not None, after.superseded_at) == (2, True, None)
    flat_old = [q for p in before.pages for q in p.questions]
    flat_new = [q for p in after.pages for q in p.questions]
    assert [(q.question_type, q.page, q.body) for q in flat_new] == [
        (q.question_type, q.page, q.body) for q in flat_old
    ]
    assert [[o.body for o in q.options] for q in flat_new] == [[o.body for o in q.options] for q in flat_old]
    assert [[r.body for r in q.rows] for q in flat_new] == [[r.body for r in q.rows] for q in flat_old]
    new_ids = (
        {q.id for q in flat_new}
        | {o.id for q in flat_new for o in q.options}
        | {r.id for q in flat_new for r in q.rows}
    )
    old_ids = (
        {q.id for q in flat_old}
        | {o.id for q in flat_old for o in q.options}
        | {r.id for q in flat_old for r in q.rows}
    )
    assert new_ids.isdisjoint(old_ids)
    use = next(q for q in flat_new if q.body == {"fr": "use"})
    conditional = next(q for q in flat_new if q.body == {"fr": "conditional"})
    assert conditional.conditions is not None
    assert conditional.conditions["rules"] == [
        {"question_id": str(use.id), "kind": "equals", "option_id": str(use.options[0].id)}
    ]
    assert built.questions["conditional"] in {q.id for q in flat_old}
    async with db.unit_of_work() as session:
        assert (await definitions.current_or_404(session, owner)).id == copy.id
    with pytest.raises(FormDefinitionConflict) as twice:
        async with db.unit_of_work() as session:
            await versions.new_version(Editing(session, owner, old))
    assert twice.value.extras["reason"] == "superseded"


async def test_a_structural_edit_racing_a_first_response_waits_and_is_refused(
    db: Database, world: World
) -> None:
    built, owner, stale = await built_form(db, world)
    before = await count_rows(db)
    new = QuestionCreate.model_validate({"question_type": "date", "body": {"fr": "Quand"}})

    async def edit() -> None:
        async with db.unit_of_work() as session:
            await structure.add_question(Editing(session, owner, stale), new)

    async with db.unit_of_work() as submitting:  # a first response, not committed yet
        await submitting.execute(
            update(Questionnaire)
            .where(Questionnaire.id == built.id, Questionnaire.responses_count == 0)
            .values(responses_count=Questionnaire.responses_count + 1)
        )
        racing = asyncio.create_task(edit())
        await asyncio.sleep(0.3)
        assert not racing.done()  # the edit waits for the response's transaction
    with pytest.raises(FormDefinitionConflict) as refused:
        await racing
    assert refused.value.extras["reason"] == "has_responses"
    assert await count_rows(db) == before
