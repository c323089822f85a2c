"""The surveys module's foundation: a survey is read through its component, drafts only by managers,
another commune's not at all."""

from __future__ import annotations

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.surveys.helpers import insert_survey, make_component


async def test_a_published_survey_is_read_by_anyone_and_a_draft_by_managers_only(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    published = await insert_survey(db, comp)
    draft = await insert_survey(db, comp, status="draft")

    r = await client.get(comp.survey(published.id))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published"
    assert r.json()["title"] == {"fr": "Consultation sur le parc"}

    assert (await client.get(comp.survey(draft.id))).status_code == 404
    assert (await client.get(comp.survey(draft.id), headers=world.headers("participant"))).status_code == 404
    r = await client.get(comp.survey(draft.id), headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["status"] == "draft"

    other = comp.survey(published.id).replace("/alpha/", "/beta/")
    assert (await client.get(other, headers=world.headers("beta_admin"))).status_code == 404
