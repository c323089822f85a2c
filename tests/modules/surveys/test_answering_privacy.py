"""A person's answers in their data export (never an anonymous one) and their erasure: the answers stay,
counted, unlinked; the register rows go."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World, bearer, make_user
from tests.modules.surveys.answering_helpers import open_survey, participants, responses
from tests.modules.surveys.helpers import survey_row


async def test_the_export_lists_the_answers_and_the_erasure_unlinks_them(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    named = await open_survey(client, world, db, multiple_answers=True)
    secret = await open_survey(client, world, db, comp=named.comp, anonymous=True)
    me = bearer(app, await make_user(db, "surveyed@test.org"))
    for s in (named, named, secret):
        assert (await client.post(s.responses, json=s.answer(), headers=me)).status_code == 201

    export = await client.get("/v1/me/export", headers=me)
    assert export.status_code == 200, export.text
    mine = export.json()["modules"]["surveys"]
    assert sorted((a["survey_id"], a["answers"]) for a in mine["answered"]) == sorted(
        [(str(named.survey.id), 2), (str(secret.survey.id), 1)]
    )
    owners = [r["owner"] for r in mine["responses"]]
    assert owners == [{"module": "surveys", "type": "survey", "id": str(named.survey.id)}] * 2
    assert all(r["answers"] for r in mine["responses"])

    assert (await client.delete("/v1/me", headers=me)).status_code == 204
    kept = await responses(db, named) + await responses(db, secret)
    assert len(kept) == 3 and {r.user_id for r in kept} == {None}
    assert await participants(db, named.survey.id) == await participants(db, secret.survey.id) == []
    assert (await survey_row(db, named.survey.id)).answers_count == 2
    assert (await survey_row(db, secret.survey.id)).answers_count == 1
