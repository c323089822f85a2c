"""Anonymous surveys: the register says who answered, the response says what, and no column of any table
joins them (but the register's link while the answer may be edited); replays are receipts."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select, update

from civicapi.core.db.base import Base
from civicapi.core.db.session import Database
from civicapi.modules.surveys.models import Participant, Survey
from tests.fixtures.factories import World
from tests.modules.surveys.answering_helpers import Open, answers_of, open_survey, participants, responses
from tests.modules.surveys.helpers import survey_row


async def _every_row(db: Database) -> list[tuple[str, dict[str, Any]]]:
    async with db.unit_of_work() as session:
        out = []
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                out.append((table.name, dict(row)))
        return out


UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _values(row: dict[str, Any]) -> set[Any]:
    """A row's ids, times and texts (and the ids written inside its JSON or text columns)."""
    found: set[Any] = set()
    for value in row.values():
        if isinstance(value, dict | list | str):
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            found |= {uuid.UUID(x) for x in UUID_TEXT.findall(text.lower())}
        if isinstance(value, uuid.UUID | datetime | str) and value != "":
            found.add(value.replace(tzinfo=None) if isinstance(value, datetime) else value)
    return found


async def _joins(
    db: Database, s: Open, commune_id: uuid.UUID, user_id: uuid.UUID, response_id: uuid.UUID
) -> dict[Any, set[str]]:
    """Every value (id, time, text) found both in a row naming the person and in a row of their response
    (the response, its answers, their choices), but for the questionnaire's own structure: what could
    join one to the other, with the tables holding it on the person's side."""
    rows = [(name, _values(row)) for name, row in await _every_row(db)]
    answers, choices = await answers_of(db, response_id)
    response_side = {response_id} | {a.id for a in answers} | {c.id for c in choices}
    mine = [(name, values) for name, values in rows if response_side & values and name.startswith("forms_")]
    theirs = [(name, values) for name, values in rows if user_id in values]
    structure = {s.survey.id, s.survey.form.id, commune_id}
    structure |= set(s.survey.form.questions.values())
    structure |= {o for opts in s.survey.form.options.values() for o in opts}
    structure |= {r for rows_ in s.survey.form.rows.values() for r in rows_}
    shared: dict[Any, set[str]] = {}
    for _, values in mine:
        for name, other in theirs:
            for value in (values & other) - structure:
                shared.setdefault(value, set()).add(name)
    return shared


async def test_nothing_joins_a_person_to_their_anonymous_answer(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = (await open_survey(client, world, db)).comp
    user = world.users["participant"]
    for editing in (False, True):
        s = await open_survey(client, world, db, comp=comp, anonymous=True, allow_editing=editing)
        r = await client.post(s.responses, json=s.answer(), headers=world.headers("participant"))
        assert r.status_code == 201, r.text
        [response] = await responses(db, s)
        assert response.user_id is None and response.is_test is False
        for moment in (response.submitted_at, response.updated_at):
            assert (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)
        [p] = await participants(db, s.survey.id)
        assert p.user_id == user.id and p.answers == 1
        assert p.response_id == (response.id if editing else None)
        expected = {response.id: {"surveys_participant"}} if editing else {}
        assert await _joins(db, s, world.alpha.id, user.id, response.id) == expected
        assert (await survey_row(db, s.survey.id)).answers_count == 1


async def test_an_anonymous_answer_without_editing_is_nobodys_and_its_replay_a_receipt(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await open_survey(client, world, db, anonymous=True)
    h = {**world.headers("participant"), "Idempotency-Key": "anon-1"}
    assert (await client.post(s.responses, json=s.answer(), headers=h)).status_code == 201
    again = await client.post(s.responses, json=s.answer(), headers=h)
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == {"answered": True, "answers": 1, "can_edit": False}
    assert len(await responses(db, s)) == 1
    assert (await client.get(s.mine, headers=h)).status_code == 404
    r = await client.get(s.participation, headers=h)
    assert r.json() == {"answered": True, "answers": 1, "can_edit": False}
    r = await client.get(s.participation, headers=world.headers("staff"))
    assert r.json() == {"answered": False, "answers": 0, "can_edit": False}
    assert (await client.get(s.participation)).status_code == 401


async def test_after_the_close_a_replay_needs_no_link(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    """An anonymous survey that allowed editing: while open the replay is the response (through the
    register's link); once closed (the close empties the link) it is a receipt."""
    s = await open_survey(client, world, db, anonymous=True, allow_editing=True)
    h = {**world.headers("participant"), "Idempotency-Key": "anon-2"}
    first = await client.post(s.responses, json=s.answer(), headers=h)
    again = await client.post(s.responses, json=s.answer(), headers=h)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    async with db.unit_of_work() as session:  # what the close does to the register and the survey
        await session.execute(
            update(Participant).where(Participant.survey_id == s.survey.id).values(response_id=None)
        )
        await session.execute(update(Survey).where(Survey.id == s.survey.id).values(status="closed"))
    after = await client.post(s.responses, json=s.answer(), headers=h)
    assert after.status_code == 200 and after.headers["Idempotent-Replayed"] == "true"
    assert after.json() == {"answered": True, "answers": 1, "can_edit": False}
    assert len(await responses(db, s)) == 1
