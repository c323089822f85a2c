"""The closing of a meeting: minutes, counts and recordings, the proposals discussed (checked against the
commune's proposals as the proposals module's events described them, linked through the core's resource
links), the event that tells other modules; who may close, when, and what bad input leaves unchanged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.core.links import ResourceRef, links_from
from tests.fixtures.factories import World
from tests.modules.agenda.closing_helpers import publish_proposal, record_events, register
from tests.modules.agenda.helpers import (
    assert_problem,
    count_rows,
    enable_agenda,
    insert_meeting,
    make_component,
)

MINUTES = {"fr": "Trois projets retenus pour le quartier.", "nl": "Drie projecten gekozen."}


def _started() -> datetime:
    return datetime.now(UTC) - timedelta(hours=3)


def _closing(**fields: Any) -> dict[str, Any]:
    return {
        "minutes": MINUTES,
        "attendees_count": 42,
        "contributions_count": 17,
        "attending_organizations": "Comité de quartier Nord",
        "video_url": "https://www.youtube.com/watch?v=abc123",
        "audio_url": None,
        "proposal_ids": [],
        "closing_visible": True,
        **fields,
    }


async def _audit_entries(db: Database, meeting_id: object) -> list[tuple[str, dict[str, Any]]]:
    async with db.unit_of_work() as session:
        rows = await session.execute(
            select(AuditEntry.action, AuditEntry.changes)
            .where(AuditEntry.resource_id == uuid.UUID(str(meeting_id)))
            .order_by(AuditEntry.created_at)
        )
        return [(action, changes) for action, changes in rows.all()]


async def test_staff_close_a_meeting_with_the_proposals_discussed_then_edit_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    bench = await publish_proposal(db, world.alpha.id, title={"fr": "Un banc"}, reference="ALPHA-PROP-1")
    trees = await publish_proposal(db, world.alpha.id, title={"fr": "Des arbres"}, reference="ALPHA-PROP-2")
    meeting = await insert_meeting(db, comp, start_at=_started())
    events = record_events(db, "agenda.meeting_closed")
    url = comp.meeting(meeting) + "/closing"
    assert_problem(await client.get(url), 404)

    r = await client.put(url, json=_closing(proposal_ids=[trees, bench]), headers=world.headers("staff"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["minutes"] == MINUTES and body["attendees_count"] == 42 and body["visible"] is True
    assert [(p["id"], p["title"], p["reference"]) for p in body["proposals"]] == [
        (trees, {"fr": "Des arbres"}, "ALPHA-PROP-2"),
        (bench, {"fr": "Un banc"}, "ALPHA-PROP-1"),
    ]
    public = await client.get(url)
    assert public.status_code == 200 and public.json() == body
    read = (await client.get(comp.meeting(meeting))).json()
    assert read["closing"]["minutes"] == MINUTES and read["closing"]["closed_at"] == body["closed_at"]
    async with db.unit_of_work() as session:
        links = await links_from(
            session,
            commune_id=world.alpha.id,
            source=ResourceRef("agenda", "meeting", uuid.UUID(str(meeting))),
        )
    assert sorted((k.name, k.to_module, k.to_type, str(k.to_id)) for k in links) == sorted(
        ("discussed", "proposals", "proposal", p) for p in (trees, bench)
    )
    [closed] = events
    assert closed.commune_id == world.alpha.id
    assert closed.payload["meeting_id"] == str(meeting) and closed.payload["first"] is True
    assert closed.payload["proposal_ids"] == [trees, bench] and closed.payload["public"] is True

    # Edited: one proposal fewer, hidden from the public; the first closing time stays.
    edit = _closing(proposal_ids=[bench], closing_visible=False, attendees_count=40)
    r = await client.put(url, json=edit, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["closed_at"] == body["closed_at"] and r.json()["attendees_count"] == 40
    assert [p["id"] for p in r.json()["proposals"]] == [bench]
    assert events[1].payload["first"] is False and events[1].payload["removed_proposal_ids"] == [trees]
    assert events[1].payload["public"] is False
    assert_problem(await client.get(url), 404)
    assert (await client.get(comp.meeting(meeting))).json()["closing"] is None
    staff = await client.get(url, headers=world.headers("staff"))
    assert staff.status_code == 200 and staff.json()["visible"] is False
    (close, first_changes), (edit, changes) = await _audit_entries(db, meeting)
    assert (close, edit) == ("agenda.meeting.close", "agenda.meeting.edit_closing")
    assert first_changes["minutes"] == [None, MINUTES]
    assert changes == {
        "attendees_count": [42, 40],
        "closing_visible": [True, False],
        "proposal_ids": {"added": [], "removed": [trees]},
    }


async def test_the_author_of_a_participant_meeting_closes_it_and_no_one_else(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    author = world.users["participant"].id
    theirs = await insert_meeting(db, comp, start_at=_started(), official=False, author_id=author)
    official = await insert_meeting(db, comp, start_at=_started(), official=True, author_id=author)
    for meeting in (theirs, official):
        url = comp.meeting(meeting) + "/closing"
        assert_problem(await client.put(url, json=_closing()), 401)
        for who in ("outsider", "moderator"):
            problem = assert_problem(await client.put(url, json=_closing(), headers=world.headers(who)), 403)
            assert problem["reason"] == "not_the_author"
    before = await count_rows(db)
    official_url = comp.meeting(official) + "/closing"
    r = await client.put(official_url, json=_closing(), headers=world.headers("participant"))
    assert assert_problem(r, 403)["reason"] == "not_the_author"
    assert await count_rows(db) == before
    r = await client.put(
        comp.meeting(theirs) + "/closing", json=_closing(), headers=world.headers("participant")
    )
    assert r.status_code == 200, r.text


async def test_only_a_published_meeting_that_has_started_is_closed(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    now = datetime.now(UTC)
    cases = {
        "not_started": await insert_meeting(db, comp, start_at=now + timedelta(minutes=5)),
        "not_published": await insert_meeting(
            db, comp, start_at=_started(), status="draft", published_at=None
        ),
        "cancelled": await insert_meeting(
            db, comp, start_at=_started(), status="cancelled", cancelled_at=now
        ),
        "withdrawn": await insert_meeting(
            db, comp, start_at=_started(), status="withdrawn", withdrawn_at=now
        ),
    }
    before = await count_rows(db)
    for reason, meeting in cases.items():
        r = await client.put(
            comp.meeting(meeting) + "/closing", json=_closing(), headers=world.headers("staff")
        )
        problem = assert_problem(r, 409, type_="/problems/agenda-conflict")
        assert problem["reason"] == reason
    assert await count_rows(db) == before


async def test_bad_closings_are_refused_and_change_nothing(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    ours = await publish_proposal(db, world.alpha.id)
    await enable_agenda(client, world, "beta")
    theirs = await publish_proposal(db, world.beta.id)  # a proposal of another commune
    meeting = await insert_meeting(db, comp, start_at=_started())
    url = comp.meeting(meeting) + "/closing"
    staff = world.headers("staff")
    before = await count_rows(db)
    for proposal_ids in ([ours, theirs], [str(uuid.uuid4())]):
        problem = assert_problem(
            await client.put(url, json=_closing(proposal_ids=proposal_ids), headers=staff), 422
        )
        assert problem["reason"] == "unknown_proposals"
        assert [e["location"] for e in problem["errors"]] == [["body", "proposal_ids", len(proposal_ids) - 1]]
    for bad in (
        {"video_url": "http://example.org/video"},
        {"audio_url": "javascript:alert(1)"},
        {"minutes": {"de": "Protokoll"}},
        {"minutes": {}},
        {"attendees_count": -1},
        {"attendees_count": "42"},
        {"proposal_ids": [ours, ours]},
        {"closing_visible": 0},
    ):
        assert_problem(await client.put(url, json=_closing(**bad), headers=staff), 422)
    assert await count_rows(db) == before
    r = await client.put(url, json=_closing(proposal_ids=[ours]), headers=staff)
    assert r.status_code == 200, r.text


async def test_a_withdrawn_proposal_stays_named_and_is_marked_so(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    proposal = await publish_proposal(db, world.alpha.id, title={"fr": "Un potager"})
    meeting = await insert_meeting(db, comp, start_at=_started())
    url = comp.meeting(meeting) + "/closing"
    r = await client.put(url, json=_closing(proposal_ids=[proposal]), headers=world.headers("staff"))
    assert r.json()["proposals"][0]["withdrawn"] is False
    await publish_proposal(
        db, world.alpha.id, "proposals.withdrawn", proposal_id=proposal, title={"fr": "Un potager"}
    )
    [named] = (await client.get(url)).json()["proposals"]
    assert named["id"] == proposal and named["withdrawn"] is True


async def test_the_closing_of_a_transparent_private_meeting_is_for_its_guests(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    meeting = await insert_meeting(db, comp, start_at=_started(), private=True, transparent=True)
    url = comp.meeting(meeting) + "/closing"
    r = await client.put(url, json=_closing(), headers=world.headers("staff"))
    assert r.status_code == 200, r.text
    await register(db, meeting, world.users["participant"].id)
    assert (await client.get(comp.meeting(meeting))).json()["details_hidden"] is True
    for who in ("anonymous", "outsider"):
        assert_problem(await client.get(url, headers=world.headers(who)), 404)
    r = await client.get(url, headers=world.headers("participant"))
    assert r.status_code == 200 and r.json()["minutes"] == MINUTES
