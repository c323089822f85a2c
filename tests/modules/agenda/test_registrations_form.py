"""A meeting's registration form (the forms capability under the meeting): staff define its questions,
anyone who sees the meeting reads them, and registering answers them, judged whole before a place is
taken: a refused form takes no place and writes nothing. The answers are part of the person's data export
and leave with the person, still counted."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from civicapi.core.db.session import Database
from civicapi.forms.models import Response
from tests.fixtures.factories import World
from tests.forms.helpers import count_rows as form_rows
from tests.modules.agenda.helpers import assert_problem, count_rows
from tests.modules.agenda.registrations_helpers import people, setup


async def _define(client: httpx.AsyncClient, world: World, url: str) -> dict[str, Any]:
    admin = world.headers("admin")
    form = url + "/registration-form"
    r = await client.put(form, json={"title": {"fr": "Inscription"}}, headers=admin)
    assert r.status_code in (200, 201), r.text
    question = {
        "question_type": "single_choice",
        "body": {"fr": "Comment venez-vous ?"},
        "mandatory": True,
        "options": [{"body": {"fr": "À pied"}}, {"body": {"fr": "En bus"}}],
    }
    r = await client.post(form + "/questions", json=question, headers=admin)
    assert r.status_code == 201, r.text
    return r.json()["pages"][0]["questions"][0]  # type: ignore[no-any-return]


async def test_registering_answers_the_meeting_form_or_takes_no_place(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=5)
    # staff only define it; anyone who sees the meeting reads it
    refused = await client.put(
        s.url + "/registration-form", json={"title": {"fr": "x"}}, headers=world.headers("participant")
    )
    assert_problem(refused, 403)
    question = await _define(client, world, s.url)
    public = await client.get(s.url + "/registration-form")
    assert public.status_code == 200 and public.json()["pages"][0]["questions"][0]["id"] == question["id"]

    [(person, headers)] = await people(db, app, 1)
    before, forms_before = await count_rows(db), await form_rows(db)
    r = assert_problem(await client.post(s.registrations, json={}, headers=headers), 422)
    assert r["type"].endswith("forms-invalid-response")
    assert r["errors"] == [{"question": question["id"], "reason": "missing"}]
    assert await count_rows(db) == before and await form_rows(db) == forms_before

    walk = question["options"][0]["id"]
    body = {"form": {"answers": [{"question_id": question["id"], "choices": [{"option_id": walk}]}]}}
    r = await client.post(s.registrations, json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "registered"
    async with db.unit_of_work() as session:
        stored = (
            (await session.execute(select(Response).where(Response.user_id == person.id))).scalars().all()
        )
    assert len(stored) == 1

    # a retry answers the registration without a second response
    again = await client.post(s.registrations, json=body, headers=headers)
    assert again.status_code == 200, again.text
    async with db.unit_of_work() as session:
        total = (await session.execute(select(func.count()).select_from(Response))).scalar_one()
    assert total == 1

    # the answers are in the person's export, and leave with the person (still counted)
    export = await client.get("/v1/me/export", headers=headers)
    assert export.status_code == 200, export.text
    [exported] = export.json()["modules"]["agenda"]["registration_forms"]
    assert exported["owner"] == {"module": "agenda", "type": "meeting", "id": str(s.meeting_id)}
    assert exported["answers"]
    assert (await client.delete("/v1/me", headers=headers)).status_code in (200, 202, 204)
    async with db.unit_of_work() as session:
        kept = (await session.execute(select(Response))).scalars().all()
    assert [r.user_id for r in kept] == [None], "the answers stay, counted, without the person"


async def test_answers_to_a_meeting_without_a_form_are_refused(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=5)
    [(_, headers)] = await people(db, app, 1)
    before = await count_rows(db)
    body = {"form": {"answers": []}}
    r = assert_problem(await client.post(s.registrations, json=body, headers=headers), 422)
    assert r["reason"] == "no_registration_form"
    assert await count_rows(db) == before
