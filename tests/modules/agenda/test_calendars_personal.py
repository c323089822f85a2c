"""A person's feed of their registrations at a secret, revocable address that needs no credentials; only the
secret's hash is kept. And a meeting as schema.org Event JSON-LD."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from civicapi.core.db.session import Database
from civicapi.modules.agenda.models import CalendarToken
from tests.fixtures.factories import World
from tests.modules.agenda.calendars_helpers import events, parse, text
from tests.modules.agenda.helpers import assert_problem, count_rows, insert_meeting, make_component, register

TOKEN = "/v1/communes/alpha/agenda/calendar-token"
LINK = "https://meet.jit.si/atelier"


async def _token(client: httpx.AsyncClient, world: World, who: str) -> dict[str, str]:
    r = await client.post(TOKEN, headers=world.headers(who))
    assert r.status_code == 201, r.text
    body: dict[str, str] = r.json()
    assert r.headers["location"] == body["feed_url"].removeprefix("http://127.0.0.1:8000")
    return body


async def test_my_registrations_at_a_secret_address_without_credentials(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    online = {
        "meeting_type": "online",
        "address": None,
        "online_url": LINK,
        "online_url_visibility": "registered",
    }
    mine = await insert_meeting(db, comp, **online)
    waiting = await insert_meeting(db, comp)
    private = await insert_meeting(db, comp, private=True)
    cancelled = await insert_meeting(db, comp, status="cancelled", cancelled_at=datetime.now(UTC))
    left = await insert_meeting(db, comp)
    others = await insert_meeting(db, comp)
    await register(db, world, mine, "participant")
    await register(db, world, waiting, "participant", status="waiting", number=2)
    await register(db, world, private, "participant")
    await register(db, world, cancelled, "participant")
    await register(db, world, left, "participant", status="cancelled")
    await register(db, world, others, "staff")

    token = await _token(client, world, "participant")
    r = await client.get(token["feed_url"].removeprefix("http://127.0.0.1:8000"))
    feed = events(r)
    assert set(feed) == {str(mine), str(waiting), str(private), str(cancelled)}
    assert r.headers["cache-control"] == "private, no-cache"
    assert str(feed[str(mine)]["CONFERENCE"]) == LINK  # the owner is registered: they see the link
    assert feed[str(waiting)]["STATUS"] == "TENTATIVE"
    assert feed[str(cancelled)]["STATUS"] == "CANCELLED"
    assert feed[str(mine)]["STATUS"] == "CONFIRMED"
    assert text(feed[str(private)], "LOCATION") == "Place du Marché 1, 4000 Liège"

    async with db.unit_of_work() as session:
        stored = (await session.execute(select(CalendarToken.token_hash))).scalars().all()
    assert stored == [hashlib.sha256(token["token"].encode()).hexdigest()]


async def test_rotating_and_revoking_the_secret_closes_the_old_address(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    await register(db, world, await insert_meeting(db, comp), "participant")
    first = (await _token(client, world, "participant"))["feed_url"].removeprefix("http://127.0.0.1:8000")
    parse(await client.get(first))
    second = (await _token(client, world, "participant"))["feed_url"].removeprefix("http://127.0.0.1:8000")
    assert second != first
    assert_problem(await client.get(first), 404)
    assert len(parse(await client.get(second)).events) == 1
    other = (await _token(client, world, "staff"))["feed_url"].removeprefix("http://127.0.0.1:8000")

    r = await client.delete(TOKEN, headers=world.headers("participant"))
    assert r.status_code == 204, r.text
    assert_problem(await client.get(second), 404)
    assert (await client.delete(TOKEN, headers=world.headers("participant"))).status_code == 204
    parse(await client.get(other))  # another person's feed still works
    assert_problem(await client.get(other.replace("/communes/alpha/", "/communes/beta/")), 404)
    assert_problem(await client.get("/v1/communes/alpha/agenda/calendar-feeds/" + "x" * 43 + ".ics"), 404)


async def test_a_personal_feed_needs_a_person(client: httpx.AsyncClient, world: World, db: Database) -> None:
    await make_component(client, world)
    before = await count_rows(db)
    assert_problem(await client.post(TOKEN), 401)
    assert_problem(await client.delete(TOKEN), 401)
    assert_problem(await client.get("/v1/communes/alpha/agenda/calendar-feeds/short.ics"), 404)
    assert_problem(await client.get("/v1/communes/alpha/agenda/calendar-feeds/" + "x" * 101 + ".ics"), 422)
    assert await count_rows(db) == before


async def test_a_meeting_as_schema_org_event_json_ld(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    start = datetime(2027, 3, 4, 17, 30, tzinfo=UTC)
    hybrid = await insert_meeting(
        db,
        comp,
        start_at=start,
        meeting_type="hybrid",
        location={"fr": "Salle du conseil"},
        online_url=LINK,
        online_url_visibility="signed_in",
        latitude=50.6,
        longitude=5.5,
    )
    r = await client.get(comp.meeting(hybrid) + "/event.jsonld")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/ld+json"
    doc = r.json()
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "Event"
    assert doc["name"] == "Assemblée de quartier"
    assert doc["startDate"] == "2027-03-04T18:30:00+01:00" and doc["endDate"] == "2027-03-04T20:30:00+01:00"
    assert doc["eventStatus"] == "https://schema.org/EventScheduled"
    assert doc["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert doc["location"] == {  # the online link is for signed-in people only
        "@type": "Place",
        "name": "Salle du conseil",
        "address": {"@type": "PostalAddress", "streetAddress": "Place du Marché 1, 4000 Liège"},
        "geo": {"@type": "GeoCoordinates", "latitude": 50.6, "longitude": 5.5},
    }
    assert doc["organizer"] == {"@type": "GovernmentOrganization", "name": world.alpha.name}
    assert doc["url"].endswith(f"/agenda/components/{comp.id}/meetings/{hybrid}")
    signed_in = (
        await client.get(comp.meeting(hybrid) + "/event.jsonld", headers=world.headers("outsider"))
    ).json()
    assert signed_in["location"][1] == {"@type": "VirtualLocation", "url": LINK}

    online = await insert_meeting(
        db, comp, meeting_type="online", address=None, online_url=LINK, status="cancelled", cancelled_at=start
    )
    doc = (await client.get(comp.meeting(online) + "/event.jsonld")).json()
    assert doc["eventStatus"] == "https://schema.org/EventCancelled"
    assert doc["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert doc["location"] == {"@type": "VirtualLocation", "url": LINK}
    in_person = await insert_meeting(db, comp)
    doc = (await client.get(comp.meeting(in_person) + "/event.jsonld")).json()
    assert doc["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"


async def test_concurrent_rotations_leave_one_live_secret(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    await register(db, world, await insert_meeting(db, comp), "participant")
    answers = await asyncio.gather(
        *(client.post(TOKEN, headers=world.headers("participant")) for _ in range(12))
    )
    assert {r.status_code for r in answers} <= {201, 409} and any(r.status_code == 201 for r in answers)
    for r in answers:
        if r.status_code == 409:
            assert_problem(r, 409)
    async with db.unit_of_work() as session:
        stored = (await session.execute(select(CalendarToken.user_id))).scalars().all()
    assert stored == [world.users["participant"].id]
    feeds = [
        r.json()["feed_url"].removeprefix("http://127.0.0.1:8000") for r in answers if r.status_code == 201
    ]
    live = [url for url in feeds if (await client.get(url)).status_code == 200]
    assert len(live) == 1
