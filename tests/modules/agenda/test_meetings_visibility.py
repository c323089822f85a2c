"""Who sees a meeting, and how much of it: drafts for their author and staff; private meetings for their
guests (invited or registered) and staff, transparent ones listed for all with details hidden; the online
link per the meeting's choice. Another commune's meeting does not exist."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.agenda.helpers import assert_problem, insert_meeting, make_component, register


async def test_a_draft_is_seen_by_staff_and_its_author_only(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    draft = await insert_meeting(
        db, comp, status="draft", published_at=None, official=False, author_id=world.users["participant"].id
    )
    for who in ("anonymous", "outsider", "moderator"):
        assert_problem(await client.get(comp.meeting(draft), headers=world.headers(who)), 404)
    for who in ("admin", "staff", "participant"):
        r = await client.get(comp.meeting(draft), headers=world.headers(who))
        assert r.status_code == 200, (who, r.text)
        assert r.json()["status"] == "draft"


async def test_a_private_meeting_is_seen_by_its_guests_and_a_transparent_one_in_outline(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    private = await insert_meeting(
        db, comp, private=True, online_url="https://meet.jit.si/x", meeting_type="hybrid"
    )
    transparent = await insert_meeting(db, comp, private=True, transparent=True)
    await register(db, world, private, "participant")

    assert_problem(await client.get(comp.meeting(private), headers=world.headers("outsider")), 404)
    assert_problem(await client.get(comp.meeting(private)), 404)
    for who in ("participant", "staff"):
        r = await client.get(comp.meeting(private), headers=world.headers(who))
        assert r.status_code == 200, (who, r.text)
        body = r.json()
        assert body["details_hidden"] is False
        assert body["address"] == "Place du Marché 1, 4000 Liège"
        assert body["online_url"] == "https://meet.jit.si/x"

    r = await client.get(comp.meeting(transparent))
    assert r.status_code == 200, r.text
    outline = r.json()
    assert outline["details_hidden"] is True
    assert outline["title"] == {"fr": "Assemblée de quartier"}
    assert outline["description"] == {} and outline["address"] is None and outline["location"] == {}
    full = (await client.get(comp.meeting(transparent), headers=world.headers("admin"))).json()
    assert full["details_hidden"] is False and full["address"] is not None


async def test_the_online_link_is_shown_to_whom_the_meeting_says(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    link = "https://meet.jit.si/assemblee"
    signed_in = await insert_meeting(
        db, comp, meeting_type="online", address=None, online_url=link, online_url_visibility="signed_in"
    )
    registered = await insert_meeting(
        db, comp, meeting_type="online", address=None, online_url=link, online_url_visibility="registered"
    )
    await register(db, world, registered, "participant")

    def seen(r: httpx.Response) -> object:
        assert r.status_code == 200, r.text
        return r.json()["online_url"]

    assert seen(await client.get(comp.meeting(signed_in))) is None
    assert seen(await client.get(comp.meeting(signed_in), headers=world.headers("outsider"))) == link
    assert seen(await client.get(comp.meeting(registered), headers=world.headers("outsider"))) is None
    assert seen(await client.get(comp.meeting(registered), headers=world.headers("participant"))) == link
    assert seen(await client.get(comp.meeting(registered), headers=world.headers("staff"))) == link


async def test_times_are_shown_in_the_commune_time_zone_and_another_commune_sees_nothing(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    start = datetime(2027, 3, 4, 17, 30, tzinfo=UTC)
    meeting = await insert_meeting(db, comp, start_at=start)
    body = (await client.get(comp.meeting(meeting))).json()
    assert body["start_at"] == "2027-03-04T17:30:00Z"
    assert body["start_local"] == "2027-03-04T18:30:00+01:00"
    assert body["time_zone"] == "Europe/Brussels"
    other = comp.meeting(meeting).replace("/communes/alpha/", "/communes/beta/")
    assert_problem(await client.get(other, headers=world.headers("beta_admin")), 404)
