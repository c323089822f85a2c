"""Meetings' lifecycle through the API: staff create official meetings, participants their own where the
component allows it; edit (sequence bumps), publish, withdraw, cancel (registrants told), delete drafts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.session import Database
from civicapi.core.events import Event
from tests.fixtures.factories import World
from tests.identity.verification_helpers import upload_census, verify
from tests.modules.agenda.helpers import assert_problem, count_rows, insert_meeting, make_component
from tests.modules.agenda.meetings_helpers import actions as _actions
from tests.modules.agenda.meetings_helpers import create_meeting, meeting_body, register_as, stored


async def test_staff_create_an_official_draft_and_publish_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    body = meeting_body(
        start_at="2027-03-04T18:30:00+01:00", end_at="2027-03-04T20:30:00+01:00", category="mobilité"
    )
    r = await client.post(comp.meetings, json=body, headers=world.headers("staff"))
    assert r.status_code == 201, r.text
    draft = r.json()
    assert r.headers["location"].endswith(f"/meetings/{draft['id']}")
    assert draft["status"] == "draft" and draft["official"] is True
    assert draft["start_at"] == "2027-03-04T17:30:00Z"
    assert draft["author_id"] == str(world.users["staff"].id)
    assert_problem(await client.get(comp.meeting(draft["id"])), 404)  # a draft is not public

    r = await client.post(comp.meeting(draft["id"]) + "/publish", headers=world.headers("staff"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published" and r.json()["published_at"] is not None
    assert (await client.get(comp.meeting(draft["id"]))).status_code == 200
    again = assert_problem(
        await client.post(comp.meeting(draft["id"]) + "/publish", headers=world.headers("admin")), 409
    )
    assert again["reason"] == "not_a_draft"
    assert (await stored(db, draft["id"]))["search_text"] == (
        "assemblee de quartier presentation des projets du budget participatif."
    )
    assert await _actions(db) == ["agenda.meeting.create", "agenda.meeting.publish"]


async def test_participants_create_meetings_where_the_component_allows_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    me = world.headers("participant")
    closed = await make_component(client, world)
    body = assert_problem(await client.post(closed.meetings, json=meeting_body(), headers=me), 403)
    assert body["reason"] == "participant_meetings_disabled"
    assert_problem(await client.post(closed.meetings, json=meeting_body()), 401)

    settings = {"participant_meetings_enabled": True}
    off = await make_component(
        client, world, slug="off", settings=settings, step_settings={"creation_enabled": False}
    )
    body = assert_problem(await client.post(off.meetings, json=meeting_body(), headers=me), 403)
    assert body["reason"] == "creation_disabled"

    census = {**settings, "create_requirements": [{"handler": "census"}]}
    checked = await make_component(client, world, slug="checked", settings=census)
    before = await count_rows(db)
    body = assert_problem(await client.post(checked.meetings, json=meeting_body(), headers=me), 403)
    assert body["reason"] == "requirements_not_met" and body["requirement"]["status"] == "missing"
    assert await count_rows(db) == before
    assert (await upload_census(client, world)).status_code == 200
    assert (await verify(client, me)).status_code == 201
    r = await client.post(checked.meetings, json=meeting_body(), headers=me)
    assert r.status_code == 201, r.text
    own = r.json()
    assert own["official"] is False and own["author_id"] == str(world.users["participant"].id)

    # Its author edits and publishes it; another person may not; nobody but staff edits official ones.
    url = checked.meeting(own["id"])
    r = await client.patch(url, json={"title": {"fr": "Atelier potager"}}, headers=me)
    assert r.status_code == 200, r.text
    assert (await client.post(url + "/publish", headers=me)).status_code == 200
    body = assert_problem(
        await client.patch(url, json={"title": {"fr": "Autre"}}, headers=world.headers("outsider")), 403
    )
    assert body["reason"] == "not_the_author"
    official = await create_meeting(client, world, checked)
    body = assert_problem(
        await client.patch(checked.meeting(official["id"]), json={"title": {"fr": "X"}}, headers=me), 403
    )
    assert body["type"] == "/problems/forbidden" and body["permission"] == "agenda.manage"
    r = await client.patch(
        url, json={"title": {"fr": "Atelier potager (modéré)"}}, headers=world.headers("staff")
    )
    assert r.status_code == 200, r.text


async def test_an_edit_bumps_the_sequence_when_a_calendar_shows_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world, settings={"categories": ["mobilité", "culture"]})
    meeting = await create_meeting(client, world, comp, category="mobilité")
    url, staff = comp.meeting(meeting["id"]), world.headers("staff")
    assert (await stored(db, meeting["id"]))["sequence"] == 0

    r = await client.patch(url, json={"category": "culture"}, headers=staff)
    assert r.status_code == 200 and r.json()["category"] == "culture"
    assert (await stored(db, meeting["id"]))["sequence"] == 0  # calendars do not show the category

    r = await client.patch(url, json={"address": "Rue Neuve 2, 4000 Liège"}, headers=staff)
    assert r.status_code == 200, r.text
    assert (await stored(db, meeting["id"]))["sequence"] == 1
    r = await client.patch(url, json={"description": {"fr": "Budget : les projets retenus"}}, headers=staff)
    assert r.status_code == 200, r.text
    state = await stored(db, meeting["id"])
    assert state["sequence"] == 2 and "budget : les projets retenus" in state["search_text"]
    r = await client.patch(url, json={"address": "Rue Neuve 2, 4000 Liège"}, headers=staff)  # no change
    assert (await stored(db, meeting["id"]))["sequence"] == 2

    etag = r.headers["etag"]
    r = await client.patch(url, json={"title": {"fr": "Nouveau"}}, headers={**staff, "If-Match": etag})
    assert r.status_code == 200, r.text
    before = await count_rows(db)
    stale = await client.patch(url, json={"title": {"fr": "Autre"}}, headers={**staff, "If-Match": etag})
    assert_problem(stale, 412)
    assert await count_rows(db) == before
    assert "agenda.meeting.update" in await _actions(db)


BAD: list[tuple[dict[str, Any], str]] = [
    ({"end_at": "2020-01-01T00:00:00+00:00"}, "ends_before_start"),
    ({"address": None}, "address_required"),
    ({"meeting_type": "online", "address": None}, "online_url_required"),
    ({"meeting_type": "hybrid", "online_url": "http://meet.jit.si/x"}, "url_not_https"),
    ({"online_url": "javascript:alert(1)"}, "url_not_https"),
    ({"online_url": "https://bob:secret@meet.jit.si/x"}, "url_has_credentials"),
    ({"embed_url": "https://evil.example/player"}, "embed_host_not_allowed"),
    ({"embed_url": "http://www.youtube.com/embed/x"}, "url_not_https"),
    ({"category": "sport"}, "category_not_allowed"),
    ({"district": "Nulle-part"}, "district_not_allowed"),
    ({"title": {"fr": "Réunion", "de": "Sitzung"}}, "unknown_locale"),
    ({"latitude": 50.6}, "coordinates"),
]


async def test_bad_meetings_are_refused_with_a_reason_and_nothing_written(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world, settings={"categories": ["mobilité"], "districts": ["Centre"]})
    staff = world.headers("staff")
    existing = await create_meeting(client, world, comp)
    before = await count_rows(db)
    for fields, reason in BAD:
        body = assert_problem(
            await client.post(comp.meetings, json=meeting_body(**fields), headers=staff), 422
        )
        assert body["reason"] == reason, (fields, body)
        assert body["type"] == "/problems/agenda-invalid"
        assert reason in {e["code"] for e in body["errors"]}
        patched = await client.patch(comp.meeting(existing["id"]), json=fields, headers=staff)
        assert assert_problem(patched, 422)["reason"] == reason, (fields, patched.text)
    assert await count_rows(db) == before
    ok = meeting_body(embed_url="https://www.youtube.com/embed/x", category="mobilité", district="Centre")
    assert (await client.post(comp.meetings, json=ok, headers=staff)).status_code == 201


async def test_withdraw_by_its_author_before_it_starts(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world, settings={"participant_meetings_enabled": True})
    me = world.headers("participant")
    draft = await create_meeting(client, world, comp, "participant", publish=False)
    body = assert_problem(await client.post(comp.meeting(draft["id"]) + "/withdraw", headers=me), 409)
    assert body["reason"] == "not_published"
    await client.post(comp.meeting(draft["id"]) + "/publish", headers=me)
    body = assert_problem(
        await client.post(comp.meeting(draft["id"]) + "/withdraw", headers=world.headers("outsider")), 403
    )
    assert body["reason"] == "not_the_author"
    r = await client.post(comp.meeting(draft["id"]) + "/withdraw", headers=me)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn" and r.json()["withdrawn_at"] is not None
    assert (await stored(db, draft["id"]))["sequence"] == 1
    body = assert_problem(await client.patch(comp.meeting(draft["id"]), json={}, headers=me), 409)
    assert body["reason"] == "withdrawn"

    started = await insert_meeting(
        db,
        comp,
        official=False,
        author_id=world.users["participant"].id,
        start_at=datetime.now(UTC) - timedelta(minutes=5),
    )
    before = await count_rows(db)
    body = assert_problem(await client.post(comp.meeting(started) + "/withdraw", headers=me), 409)
    assert body["reason"] == "already_started"
    assert await count_rows(db) == before


async def test_staff_cancel_with_a_reason_and_registrants_are_told(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    received: list[Event] = []

    async def record(event: Event, session: AsyncSession) -> None:
        received.append(event)

    db.bus.subscribe("agenda.meeting_cancelled", record)
    comp = await make_component(client, world)
    meeting = await create_meeting(client, world, comp)
    await register_as(
        db,
        world,
        meeting["id"],
        {"participant": "registered", "moderator": "waiting", "valuator": "offered", "outsider": "cancelled"},
    )
    url = comp.meeting(meeting["id"]) + "/cancel"
    reason = {"fr": "La salle est indisponible.", "nl": "De zaal is niet beschikbaar."}
    outbox = app.state.mailer.outbox
    outbox.clear()
    before = await count_rows(db)
    for who in ("participant", "moderator"):
        body = assert_problem(
            await client.post(url, json={"reason": reason}, headers=world.headers(who)), 403
        )
        assert body["type"] == "/problems/forbidden"
    assert_problem(await client.post(url, json={"reason": reason}), 401)
    bad = assert_problem(
        await client.post(url, json={"reason": {"es": "No"}}, headers=world.headers("staff")), 422
    )
    assert bad["reason"] == "unknown_locale"
    assert_problem(await client.post(url, json={}, headers=world.headers("staff")), 422)
    assert await count_rows(db) == before and outbox == [] and received == []

    r = await client.post(url, json={"reason": reason}, headers=world.headers("staff"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled" and r.json()["cancel_reason"] == reason
    assert (await stored(db, meeting["id"]))["sequence"] == 1
    told = sorted(m.to for m in outbox)
    assert told == sorted(world.users[w].email for w in ("participant", "moderator", "valuator"))
    assert all("La salle est indisponible." in m.body for m in outbox)
    assert [e.payload["meeting_id"] for e in received] == [meeting["id"]]
    assert received[0].payload["reason"] == reason

    again = assert_problem(
        await client.post(url, json={"reason": reason}, headers=world.headers("staff")), 409
    )
    assert again["reason"] == "cancelled"
    assert len(outbox) == 3
    assert (await client.get(comp.meeting(meeting["id"]))).json()["status"] == "cancelled"
    assert "agenda.meeting.cancel" in await _actions(db)


async def test_only_a_draft_is_deleted(client: httpx.AsyncClient, world: World, db: Database) -> None:
    comp = await make_component(client, world)
    published = await create_meeting(client, world, comp)
    draft = await create_meeting(client, world, comp, publish=False)
    before = await count_rows(db)
    body = assert_problem(
        await client.delete(comp.meeting(published["id"]), headers=world.headers("staff")), 409
    )
    assert body["reason"] == "not_a_draft"
    assert_problem(
        await client.delete(comp.meeting(published["id"]), headers=world.headers("participant")), 403
    )
    assert await count_rows(db) == before
    r = await client.delete(comp.meeting(draft["id"]), headers=world.headers("staff"))
    assert r.status_code == 204, r.text
    assert_problem(await client.get(comp.meeting(draft["id"]), headers=world.headers("staff")), 404)
    assert (await count_rows(db))["agenda_meeting"] == before["agenda_meeting"] - 1
    assert "agenda.meeting.delete" in await _actions(db)
