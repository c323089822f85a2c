"""Meetings write their points into the places index: a draft is not on the public map; published ->
shown, dated by its start, district adopted when none was given; moved; made private, withdrawn or
cancelled -> not shown; the point removed or the draft deleted -> no row."""

from __future__ import annotations

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.agenda.helpers import make_component
from tests.modules.agenda.meetings_helpers import create_meeting
from tests.places.integration_helpers import CENTRE, IN_CENTRE, IN_OUTREMEUSE, OUTREMEUSE, place
from tests.places.test_index import add_district


async def test_a_meeting_keeps_its_place_in_the_index(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await add_district(db, world.alpha.id, "centre", CENTRE)
    await add_district(db, world.alpha.id, "outremeuse", OUTREMEUSE)
    comp = await make_component(client, world)
    staff = world.headers("staff")
    draft = await create_meeting(client, world, comp, publish=False, category="mobilité", **IN_CENTRE)
    assert draft["district"] == "centre"
    row = await place(db, "agenda", "meeting", draft["id"])
    assert row is not None and row["published"] is False and row["status"] == "draft"
    assert row["district"] == "centre" and row["category"] == "mobilité" and row["component_id"] == comp.id
    assert row["address"] == "Place du Marché 1, 4000 Liège"

    url = comp.meeting(draft["id"])
    assert (await client.post(url + "/publish", headers=staff)).status_code == 200
    row = await place(db, "agenda", "meeting", draft["id"])
    assert row is not None and row["published"] is True and row["status"] == "published"
    assert row["occurs_at"] is not None and row["occurs_at"].isoformat()[:16] == draft["start_at"][:16]

    r = await client.patch(url, json={**IN_OUTREMEUSE, "title": {"fr": "Ailleurs"}}, headers=staff)
    assert r.status_code == 200, r.text
    assert r.json()["district"] == "outremeuse"
    row = await place(db, "agenda", "meeting", draft["id"])
    assert row is not None and row["district"] == "outremeuse" and row["title"] == {"fr": "Ailleurs"}

    r = await client.patch(url, json={"private": True}, headers=staff)
    assert r.status_code == 200, r.text
    assert (await place(db, "agenda", "meeting", draft["id"]) or {})["published"] is False
    r = await client.patch(url, json={"private": False}, headers=staff)
    assert r.status_code == 200, r.text
    assert (await place(db, "agenda", "meeting", draft["id"]) or {})["published"] is True

    r = await client.post(url + "/cancel", json={"reason": {"fr": "Salle indisponible"}}, headers=staff)
    assert r.status_code == 200, r.text
    row = await place(db, "agenda", "meeting", draft["id"])
    assert row is not None and row["published"] is False and row["status"] == "cancelled"


async def test_withdrawn_moved_off_the_map_and_deleted_meetings(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    staff = world.headers("staff")
    meeting = await create_meeting(client, world, comp, district="Nord", **IN_CENTRE)
    assert meeting["district"] == "Nord"
    r = await client.post(comp.meeting(meeting["id"]) + "/withdraw", headers=staff)
    assert r.status_code == 200, r.text
    row = await place(db, "agenda", "meeting", meeting["id"])
    assert row is not None and row["published"] is False and row["status"] == "withdrawn"

    draft = await create_meeting(client, world, comp, publish=False, **IN_CENTRE)
    r = await client.patch(
        comp.meeting(draft["id"]), json={"latitude": None, "longitude": None}, headers=staff
    )
    assert r.status_code == 200, r.text
    assert await place(db, "agenda", "meeting", draft["id"]) is None
    r = await client.patch(comp.meeting(draft["id"]), json=IN_CENTRE, headers=staff)
    assert r.status_code == 200, r.text
    assert await place(db, "agenda", "meeting", draft["id"]) is not None
    r = await client.delete(comp.meeting(draft["id"]), headers=staff)
    assert r.status_code == 204, r.text
    assert await place(db, "agenda", "meeting", draft["id"]) is None
