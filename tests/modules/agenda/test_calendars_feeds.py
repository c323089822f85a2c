"""iCalendar feeds of a meeting, a component and the commune, parsed back with the icalendar library: stable
UIDs, SEQUENCE, DTSTAMP, cancelled meetings, times in the commune's time zone (with its VTIMEZONE), the place
and the online link only where the reader may see them, filters, caps, ETags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from icalendar import Calendar, Event

from civicapi.core.db.session import Database
from civicapi.modules.agenda.calendars import service
from tests.fixtures.factories import World
from tests.modules.agenda.calendars_helpers import Statements, events, parse, text
from tests.modules.agenda.helpers import (
    assert_problem,
    count_rows,
    insert_meeting,
    make_component,
    register,
    soon,
)

LINK = "https://meet.jit.si/assemblee"


async def test_a_meeting_as_an_icalendar_event(client: httpx.AsyncClient, world: World, db: Database) -> None:
    comp = await make_component(client, world)
    start = datetime(2027, 3, 4, 17, 30, tzinfo=UTC)
    meeting = await insert_meeting(
        db,
        comp,
        start_at=start,
        sequence=3,
        meeting_type="hybrid",
        location={"fr": "Salle du conseil"},
        online_url=LINK,
        latitude=50.6451,
        longitude=5.5734,
        category="mobilité",
    )
    r = await client.get(comp.meeting(meeting) + "/calendar.ics")
    cal = parse(r)
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["cache-control"].startswith("public")
    [event] = cal.events
    assert str(event["UID"]) == f"{meeting}@127.0.0.1"
    assert event["SEQUENCE"] == 3
    assert event["STATUS"] == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Assemblée de quartier"
    assert event.decoded("DTSTAMP").tzinfo is not None
    dtstart = event["DTSTART"]
    assert dtstart.params["TZID"] == "Europe/Brussels"
    assert event.decoded("DTSTART") == start and event.decoded("DTEND") == start + timedelta(hours=2)
    assert event.decoded("DTSTART").utcoffset() == timedelta(hours=1)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert text(event, "LOCATION") == "Salle du conseil, Place du Marché 1, 4000 Liège"
    assert LINK in text(event, "DESCRIPTION")
    assert str(event["CONFERENCE"]) == LINK
    assert text(event, "URL").endswith(f"/v1/communes/alpha/agenda/components/{comp.id}/meetings/{meeting}")
    assert event["GEO"].latitude == pytest.approx(50.6451)
    assert event.categories == ["mobilité"]

    # The same meeting keeps its UID in every feed; a client holding the ETag gets 304, from the response
    # cache (anonymous) or from the route (signed in).
    cached = await client.get(
        comp.meeting(meeting) + "/calendar.ics", headers={"If-None-Match": r.headers["etag"]}
    )
    assert cached.status_code == 304 and cached.content == b"" and cached.headers["etag"] == r.headers["etag"]
    signed_in = {**world.headers("outsider")}
    first = await client.get(comp.meeting(meeting) + "/calendar.ics", headers=signed_in)
    assert first.headers["etag"] == r.headers["etag"]
    again = await client.get(
        comp.meeting(meeting) + "/calendar.ics", headers={**signed_in, "If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    assert str(events(await client.get(comp.url + "/calendar.ics"))[str(meeting)]["UID"]) == str(event["UID"])


async def test_cancelled_and_withdrawn_meetings_are_cancelled_events(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    cancelled = await insert_meeting(
        db,
        comp,
        status="cancelled",
        cancelled_at=datetime.now(UTC),
        cancel_reason={"fr": "Salle indisponible"},
        sequence=2,
    )
    withdrawn = await insert_meeting(db, comp, status="withdrawn", withdrawn_at=datetime.now(UTC))
    held = await insert_meeting(db, comp)
    feed = events(await client.get(comp.url + "/calendar.ics"))
    assert feed[str(cancelled)]["STATUS"] == "CANCELLED" and feed[str(cancelled)]["SEQUENCE"] == 2
    assert "Salle indisponible" in text(feed[str(cancelled)], "DESCRIPTION")
    assert feed[str(withdrawn)]["STATUS"] == "CANCELLED"
    assert feed[str(held)]["STATUS"] == "CONFIRMED"


async def test_the_online_link_is_in_a_feed_only_for_readers_who_may_see_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    online = {"meeting_type": "online", "address": None, "online_url": LINK}
    everyone = await insert_meeting(db, comp, **online)
    signed_in = await insert_meeting(db, comp, **online, online_url_visibility="signed_in")
    registered = await insert_meeting(db, comp, **online, online_url_visibility="registered")
    await register(db, world, registered, "participant")

    def links(feed: dict[str, Event]) -> dict[str, bool]:
        return {
            name: "CONFERENCE" in feed[str(mid)] and LINK in text(feed[str(mid)], "DESCRIPTION")
            for name, mid in (("everyone", everyone), ("signed_in", signed_in), ("registered", registered))
        }

    anonymous = events(await client.get(comp.url + "/calendar.ics"))
    assert links(anonymous) == {"everyone": True, "signed_in": False, "registered": False}
    for hidden in (signed_in, registered):  # nowhere in the event: not in URL, LOCATION, DESCRIPTION
        assert LINK not in anonymous[str(hidden)].to_ical().decode().replace("\r\n ", "")
    commune = events(await client.get("/v1/communes/alpha/agenda/calendar.ics"))
    assert links(commune) == {"everyone": True, "signed_in": False, "registered": False}
    outsider = events(await client.get(comp.url + "/calendar.ics", headers=world.headers("outsider")))
    assert links(outsider) == {"everyone": True, "signed_in": True, "registered": False}
    guest = events(await client.get(comp.url + "/calendar.ics", headers=world.headers("participant")))
    assert links(guest) == {"everyone": True, "signed_in": True, "registered": True}
    one = events(
        await client.get(comp.meeting(registered) + "/calendar.ics", headers=world.headers("outsider"))
    )
    assert "CONFERENCE" not in one[str(registered)]


async def test_private_drafts_and_hidden_details_follow_the_visibility_rule(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    public = await insert_meeting(db, comp)
    draft = await insert_meeting(db, comp, status="draft", published_at=None)
    private = await insert_meeting(db, comp, private=True)
    transparent = await insert_meeting(db, comp, private=True, transparent=True, location={"fr": "Salle B"})
    await register(db, world, private, "participant")
    url = "/v1/communes/alpha/agenda/calendar.ics"

    anonymous = events(await client.get(url))
    assert set(anonymous) == {str(public), str(transparent)}
    assert "LOCATION" not in anonymous[str(transparent)] and "DESCRIPTION" not in anonymous[str(transparent)]
    guest = events(await client.get(url, headers=world.headers("participant")))
    assert set(guest) == {str(public), str(transparent), str(private)}
    assert text(guest[str(private)], "LOCATION") == "Place du Marché 1, 4000 Liège"
    staff = events(await client.get(url, headers=world.headers("staff")))
    assert set(staff) == {str(public), str(transparent), str(private), str(draft)}
    assert staff[str(draft)]["STATUS"] == "TENTATIVE"
    assert text(staff[str(transparent)], "LOCATION") == "Salle B, Place du Marché 1, 4000 Liège"


async def test_the_commune_feed_spans_components_with_the_directory_filters(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    first = await make_component(client, world)
    second = await make_component(client, world, slug="workshops")
    hidden = await make_component(client, world, slug="drafts", publish=False)
    a = await insert_meeting(db, first, district="Centre", category="mobilité", start_at=soon(3))
    b = await insert_meeting(
        db, second, meeting_type="online", address=None, online_url=LINK, district="Nord", start_at=soon(10)
    )
    c = await insert_meeting(db, second, category="culture", start_at=soon(20))
    past = await insert_meeting(db, first, start_at=soon(-200))
    await insert_meeting(db, hidden)
    url = "/v1/communes/alpha/agenda/calendar.ics"

    async def ids(**params: str) -> set[str]:
        return set(events(await client.get(url, params=params)))

    assert await ids() == {str(a), str(b), str(c)}  # the unpublished component's, and the long past, left out
    assert await ids(**{"from": (soon(-201)).isoformat()}) == {str(a), str(b), str(c), str(past)}
    assert await ids(type="online") == {str(b)}
    assert await ids(district="Centre") == {str(a)}
    assert await ids(category="culture") == {str(c)}
    assert await ids(component_id=second.id) == {str(b), str(c)}
    assert await ids(**{"from": soon(5).isoformat(), "to": soon(15).isoformat()}) == {str(b)}
    assert set(events(await client.get(second.url + "/calendar.ics", params={"category": "culture"}))) == {
        str(c)
    }
    assert parse(await client.get(url)).get("X-WR-CALNAME") is not None


async def test_bad_filters_are_422_problems_and_write_nothing(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    await insert_meeting(db, comp)
    before = await count_rows(db)
    url = "/v1/communes/alpha/agenda/calendar.ics"
    for params in (
        {"type": "party"},
        {"component_id": "not-a-uuid"},
        {"from": "2027-03-04T10:00:00"},  # no offset
        {"from": "2027-03-04T10:00:00Z", "to": "2027-03-01T10:00:00Z"},
        {"district": ""},
    ):
        assert_problem(await client.get(url, params=params), 422)
    assert_problem(await client.get(comp.url + "/calendar.ics", params={"type": "party"}), 422)
    assert await count_rows(db) == before


async def test_feeds_are_capped_and_say_so(
    client: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    comp = await make_component(client, world)
    starts = [soon(d) for d in (1, 2, 3)]
    ids = [await insert_meeting(db, comp, start_at=s) for s in starts]
    monkeypatch.setattr(service, "FEED_LIMIT", 2)
    r = await client.get(comp.url + "/calendar.ics")
    assert r.headers["x-feed-truncated"] == "true"
    assert set(events(r)) == {str(ids[0]), str(ids[1])}
    monkeypatch.setattr(service, "FEED_LIMIT", 3)
    r = await client.get("/v1/communes/alpha/agenda/calendar.ics")
    assert r.headers["x-feed-truncated"] == "false" and len(parse(r).events) == 3


async def test_another_commune_or_a_hidden_meeting_has_no_calendar(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    private = await insert_meeting(db, comp, private=True)
    assert_problem(await client.get(comp.meeting(private) + "/calendar.ics"), 404)
    assert_problem(await client.get(comp.meeting(private) + "/event.jsonld"), 404)
    meeting = await insert_meeting(db, comp)
    other = (comp.meeting(meeting) + "/calendar.ics").replace("/communes/alpha/", "/communes/beta/")
    assert_problem(await client.get(other, headers=world.headers("beta_admin")), 404)
    cal = Calendar.from_ical((await client.get(comp.meeting(meeting) + "/calendar.ics")).content)
    assert len(cal.events) == 1


async def test_a_feed_costs_the_same_statements_whatever_its_length(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    url, me = "/v1/communes/alpha/agenda/calendar.ics", world.headers("participant")

    async def statements() -> int:
        await client.get(url, headers=me)  # warm the caches of the commune and the caller
        with Statements(db) as seen:
            assert len(parse(await client.get(url, headers=me)).events) > 0
        return seen.count

    for _ in range(2):
        await register(db, world, await insert_meeting(db, comp, private=True), "participant", number=1)
    few = await statements()
    for _ in range(10):
        await register(db, world, await insert_meeting(db, comp, private=True), "participant", number=1)
        await insert_meeting(db, comp)
    assert await statements() == few
