"""The two modules through the app, never importing each other: a proposal published in the proposals
module becomes known to the agenda (its events), a meeting's closing names it, and the proposal lists the
meeting where it was discussed (the agenda's ``agenda.meeting_closed`` event) while that closing is public."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.agenda.closing_helpers import emit_meeting_closed
from tests.modules.agenda.helpers import insert_meeting, make_component
from tests.modules.proposals import helpers as proposals

MINUTES = {"fr": "Le banc et les arbres ont été discutés."}


async def test_a_proposal_lists_the_meetings_whose_public_closing_discussed_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    agenda = await make_component(client, world)
    ideas = await proposals.make_component(client, world)
    who = world.headers("participant")
    bench = (await proposals.create(client, ideas, who, title={"fr": "Un banc"}))["id"]
    trees = (await proposals.create(client, ideas, who, title={"fr": "Des arbres"}))["id"]
    meeting = await insert_meeting(db, agenda, start_at=datetime.now(UTC) - timedelta(days=1))
    closing = agenda.meeting(meeting) + "/closing"
    staff = world.headers("staff")

    r = await client.put(closing, json={"minutes": MINUTES, "proposal_ids": [bench, trees]}, headers=staff)
    assert r.status_code == 200, r.text
    assert {p["title"]["fr"] for p in r.json()["proposals"]} == {"Un banc", "Des arbres"}
    for proposal_id in (bench, trees):
        page = (await client.get(ideas.proposal(proposal_id) + "/meetings")).json()
        [item] = page["items"]
        assert page["next_cursor"] is None
        assert item["meeting_id"] == str(meeting) and item["title"] == {"fr": "Assemblée de quartier"}
        assert item["url"] == agenda.meeting(meeting)
        assert (await client.get(item["url"])).status_code == 200

    r = await client.put(closing, json={"minutes": MINUTES, "proposal_ids": [trees]}, headers=staff)
    assert r.status_code == 200, r.text
    assert (await client.get(ideas.proposal(bench) + "/meetings")).json()["items"] == []
    assert len((await client.get(ideas.proposal(trees) + "/meetings")).json()["items"]) == 1
    hidden = {"minutes": MINUTES, "proposal_ids": [trees], "closing_visible": False}
    assert (await client.put(closing, json=hidden, headers=staff)).status_code == 200
    assert (await client.get(ideas.proposal(trees) + "/meetings")).json()["items"] == []


async def test_ids_that_are_not_proposals_of_the_commune_are_ignored(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    ideas = await proposals.make_component(client, world)
    mine = (await proposals.create(client, ideas, world.headers("participant")))["id"]
    await emit_meeting_closed(db, world.beta.id, proposal_ids=[mine])  # another commune's meeting
    await emit_meeting_closed(db, world.alpha.id, proposal_ids=[str(uuid.uuid4()), mine])
    [item] = (await client.get(ideas.proposal(mine) + "/meetings")).json()["items"]
    assert item["title"] == {"fr": "Réunion"}
