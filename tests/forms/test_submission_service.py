"""The submission services as modules call them: a constant number of statements whatever the number of
questions, test answers not counted, a person's responses exported and unlinked on erasure."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import event, select

from civicapi.core.db.session import Database
from civicapi.forms import service_submission as service
from civicapi.forms.models import MULTIPLE_CHOICE, SHORT_ANSWER, Option, Question, Questionnaire, Response
from civicapi.forms.schemas_submission import SubmissionIn
from civicapi.forms.service_submission import Answerer
from tests.fixtures.factories import World
from tests.forms.helpers import Built, count_rows, every_type_questionnaire
from tests.forms.submission_probe import body, valid_answers


async def _wide(db: Database, commune_id: uuid.UUID, pairs: int) -> tuple[uuid.UUID, dict[str, Any]]:
    """A questionnaire of ``pairs`` short answers and ``pairs`` multiple choices (3 options), and a body
    answering each (two options per choice)."""
    async with db.unit_of_work() as session:
        q = Questionnaire(
            commune_id=commune_id, owner_module="example", owner_type="thing", owner_id=uuid.uuid4(), title={}
        )
        session.add(q)
        await session.flush()
        answers: list[dict[str, Any]] = []
        for i in range(pairs):
            text = Question(
                commune_id=commune_id,
                questionnaire_id=q.id,
                position=2 * i,
                question_type=SHORT_ANSWER,
                body={"fr": "t"},
            )
            choice = Question(
                commune_id=commune_id,
                questionnaire_id=q.id,
                position=2 * i + 1,
                question_type=MULTIPLE_CHOICE,
                body={"fr": "c"},
            )
            session.add_all([text, choice])
            await session.flush()
            options = [
                Option(commune_id=commune_id, question_id=choice.id, position=k, body={"fr": "o"})
                for k in range(3)
            ]
            session.add_all(options)
            await session.flush()
            answers.append({"question_id": str(text.id), "text": f"answer {i}"})
            answers.append(
                {"question_id": str(choice.id), "choices": [{"option_id": str(o.id)} for o in options[:2]]}
            )
        return q.id, {"answers": answers}


async def _statements_of_submit(db: Database, questionnaire_id: uuid.UUID, sent: dict[str, Any]) -> list[str]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    engine = db.engine.sync_engine
    async with db.unit_of_work() as session:
        q = await session.get_one(Questionnaire, questionnaire_id)
        event.listen(engine, "before_cursor_execute", count)
        try:
            await service.submit(session, q, SubmissionIn.model_validate(sent), Answerer(user_id=None))
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return seen


async def test_a_submission_sends_the_same_statements_whatever_the_number_of_questions(
    db: Database, world: World
) -> None:
    small, small_body = await _wide(db, world.alpha.id, 1)
    large, large_body = await _wide(db, world.alpha.id, 40)
    few = await _statements_of_submit(db, small, small_body)
    many = await _statements_of_submit(db, large, large_body)
    assert len(few) == len(many) <= 8, many
    rows = await count_rows(db)
    assert rows["forms_answer"] == 2 + 80 and rows["forms_answer_choice"] == 2 + 80


async def _submit(db: Database, b: Built, answerer: Answerer) -> uuid.UUID:
    async with db.unit_of_work() as session:
        q = await session.get_one(Questionnaire, b.id)
        read = await service.submit(
            session, q, SubmissionIn.model_validate(body(b, valid_answers(b))), answerer
        )
    return read.id


async def _count(db: Database, b: Built) -> int:
    async with db.unit_of_work() as session:
        return (await session.get_one(Questionnaire, b.id, populate_existing=True)).responses_count


async def test_test_answers_are_stored_but_not_counted(db: Database, world: World) -> None:
    b = await every_type_questionnaire(db, world.alpha.id)
    await _submit(db, b, Answerer(is_test=True))
    assert await _count(db, b) == 0
    await _submit(db, b, Answerer())
    assert await _count(db, b) == 1
    async with db.unit_of_work() as session:
        flags = sorted((await session.scalars(select(Response.is_test))).all())
    assert flags == [False, True]


async def test_a_persons_responses_are_exported_then_unlinked_and_still_counted(
    db: Database, world: World
) -> None:
    person, other = world.users["participant"].id, world.users["staff"].id
    survey = await every_type_questionnaire(db, world.alpha.id, owner=("surveys", "survey", uuid.uuid4()))
    meeting = await every_type_questionnaire(db, world.alpha.id, owner=("agenda", "meeting", uuid.uuid4()))
    mine = await _submit(db, survey, Answerer(user_id=person, respondent=uuid.uuid4()))
    await _submit(db, meeting, Answerer(user_id=person))
    await _submit(db, survey, Answerer(user_id=other))
    await _submit(db, survey, Answerer())  # anonymous: linked to nobody
    async with db.unit_of_work() as session:
        everything = await service.export_person(session, person)
        surveys_only = await service.export_person(session, person, owner_module="surveys")
    assert len(everything["responses"]) == 2
    [exported] = surveys_only["responses"]
    assert exported["id"] == str(mine) and exported["owner"]["module"] == "surveys"
    assert exported["owner"]["id"] and exported["version"] == 1
    texts = {a["question_id"]: a["text"] for a in exported["answers"]}
    assert texts[str(survey.questions["name"])] == "Marie" and len(exported["answers"]) == 9
    ranking = next(a for a in exported["answers"] if a["question_id"] == str(survey.questions["priorities"]))
    assert sorted(c["position"] for c in ranking["choices"]) == [1, 2, 3]
    before = await count_rows(db)
    async with db.unit_of_work() as session:
        await service.erase_person(session, person, owner_module="surveys")
    async with db.unit_of_work() as session:
        assert (await service.export_person(session, person, owner_module="surveys")) == {"responses": []}
        assert len((await service.export_person(session, person))["responses"]) == 1  # the agenda's own
        await service.erase_person(session, person)
    async with db.unit_of_work() as session:
        assert (await service.export_person(session, person)) == {"responses": []}
        linked = (await session.scalars(select(Response.user_id).where(Response.user_id.is_not(None)))).all()
        assert linked == [other]
    assert await count_rows(db) == before
    assert await _count(db, survey) == 3 and await _count(db, meeting) == 1
