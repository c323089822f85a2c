"""Registering for a meeting: a place, else the waiting list, else 409 ``full``; one registration per person
(a retry answers it, 200; with the same ``Idempotency-Key``, the first answer again); the meeting's
registration settings; every refusal a problem document with a ``reason`` and nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from civicapi.core.db.session import Database
from civicapi.modules.agenda.registrations import service
from tests.fixtures.factories import World
from tests.modules.agenda.helpers import assert_problem, count_rows, insert_meeting
from tests.modules.agenda.registrations_helpers import (
    assert_counts_match_rows,
    meeting_row,
    people,
    registrations,
    setup,
)


async def test_a_place_then_the_waiting_list_then_full(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=3, reserved_slots=1)
    racers = await people(db, app, 4)
    answers = [await client.post(s.registrations, json={}, headers=h) for _, h in racers]
    assert [r.status_code for r in answers] == [201] * 4
    assert [r.json()["status"] for r in answers] == ["registered", "registered", "waiting", "waiting"]
    assert [r.json()["number"] for r in answers] == [1, 2, 3, 4]
    assert [r.json()["place_in_line"] for r in answers] == [None, None, 1, 2]
    first = answers[0].json()
    assert len(first["code"]) == 8 and not set(first["code"]) & set("01OIL")
    assert first["check_in_url"].endswith(f"/c/alpha/{first['code']}")
    assert answers[0].headers["location"].endswith(f"/registrations/{first['id']}")
    meeting = (await client.get(s.url)).json()["registration"]
    assert (meeting["registrations_count"], meeting["waiting_count"], meeting["places_left"]) == (2, 2, 0)
    await assert_counts_match_rows(db, s.meeting_id)

    full = await setup(client, world, db, available_slots=1, waitlist_enabled=False)
    assert (await client.post(full.registrations, headers=racers[0][1])).status_code == 201
    before = await count_rows(db)
    body = assert_problem(await client.post(full.registrations, headers=racers[1][1]), 409)
    assert body["reason"] == "full"
    assert await count_rows(db) == before
    assert (await meeting_row(db, full.meeting_id)).queue_seq == 1


async def test_no_limit_when_no_places_are_set(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=0)
    for _, headers in await people(db, app, 5):
        r = await client.post(s.registrations, headers=headers)
        assert r.json()["status"] == "registered"
    assert (await client.get(s.url)).json()["registration"]["places_left"] is None


async def test_twice_answers_the_same_registration(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=10)
    me = world.headers("participant")
    first = await client.post(s.registrations, json={"public_participation": True}, headers=me)
    assert first.status_code == 201
    before = await count_rows(db)
    again = await client.post(s.registrations, json={}, headers=me)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert "idempotent-replayed" not in again.headers
    assert await count_rows(db) == before
    assert (await meeting_row(db, s.meeting_id)).registrations_count == 1


async def test_the_same_idempotency_key_gets_the_first_answer(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=10)
    headers = {**world.headers("participant"), "Idempotency-Key": "k-1"}
    first = await client.post(s.registrations, json={"public_participation": True}, headers=headers)
    retry = await client.post(s.registrations, json={"public_participation": True}, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    other = await client.post(s.registrations, json={"public_participation": False}, headers=headers)
    assert assert_problem(other, 422)["reason"] == "key_reused"
    assert len(await registrations(db, s.meeting_id)) == 1


def _ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


@pytest.mark.parametrize(
    ("fields", "status", "reason"),
    [
        ({"start_at": _ago(1), "end_at": _ago(-1)}, 409, "already_started"),
        ({"registrations_close_at": _ago(1)}, 409, "registrations_closed"),
        ({"registrations_open_at": _ago(-24)}, 409, "registrations_not_open"),
        ({"status": "cancelled", "cancelled_at": _ago(1)}, 409, "cancelled"),
        ({"status": "withdrawn", "withdrawn_at": _ago(1)}, 409, "withdrawn"),
        (
            {"registration_mode": "external", "registration_url": "https://example.org/r"},
            409,
            "not_on_platform",
        ),
        ({"registration_mode": "disabled"}, 409, "not_on_platform"),
        ({"registration_terms": {"fr": "J'accepte."}}, 422, "terms_not_accepted"),
    ],
    ids=["started", "closed", "not-open", "cancelled", "withdrawn", "external", "disabled", "terms"],
)
async def test_refusals_write_nothing(
    client: httpx.AsyncClient, world: World, db: Database, fields: dict[str, Any], status: int, reason: str
) -> None:
    s = await setup(client, world, db, available_slots=10, **fields)
    before = await count_rows(db)
    r = await client.post(s.registrations, json={}, headers=world.headers("participant"))
    assert assert_problem(r, status)["reason"] == reason
    assert await count_rows(db) == before
    meeting = await meeting_row(db, s.meeting_id)
    assert (meeting.registrations_count, meeting.waiting_count, meeting.queue_seq) == (0, 0, 0)


async def test_terms_accepted_and_the_phase_and_the_requirements(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await setup(client, world, db, registration_terms={"fr": "J'accepte."})
    r = await client.post(s.registrations, json={"accept_terms": True}, headers=world.headers("participant"))
    assert r.status_code == 201
    closed = await setup(client, world, db, step_settings={"registrations_enabled": False})
    r = await client.post(closed.registrations, headers=world.headers("participant"))
    assert assert_problem(r, 403)["reason"] == "registrations_disabled"
    census = [{"handler": "census", "conditions": {}}]
    verified = await setup(client, world, db, settings={"registration_requirements": census})
    r = await client.post(verified.registrations, headers=world.headers("participant"))
    assert assert_problem(r, 403)["reason"] == "requirements_not_met"
    assert await registrations(db, verified.meeting_id) == []
    assert_problem(await client.post(s.registrations), 401)


async def test_registration_settings(client: httpx.AsyncClient, world: World, db: Database, app: Any) -> None:
    s = await setup(client, world, db, available_slots=2, registration_mode="disabled")
    url = f"{s.url}/registration-settings"
    body = {
        "mode": "on_platform",
        "available_slots": 3,
        "reserved_slots": 1,
        "terms": {"fr": "J'accepte."},
        "waitlist_enabled": True,
        "offer_hours": 12,
        "close_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
    }
    assert_problem(await client.put(url, json=body, headers=world.headers("participant")), 403)
    r = await client.put(url, json=body, headers=world.headers("staff"))
    assert r.status_code == 200, r.text
    reg = r.json()["registration"]
    assert (reg["mode"], reg["available_slots"], reg["reserved_slots"], reg["places_left"]) == (
        "on_platform",
        3,
        1,
        2,
    )
    assert (reg["terms"], reg["offer_hours"]) == ({"fr": "J'accepte."}, 12)
    for _, headers in await people(db, app, 2):
        await client.post(s.registrations, json={"accept_terms": True}, headers=headers)

    before = await count_rows(db)
    sequence = (await meeting_row(db, s.meeting_id)).sequence
    bad = [
        ({**body, "reserved_slots": 4}, 422, "reserved_exceeds_available"),
        ({**body, "mode": "external", "url": "http://example.org"}, 422, "url_not_https"),
        ({**body, "open_at": body["close_at"]}, 422, "window_inverted"),
        ({**body, "available_slots": 2}, 409, "slots_below_registrations"),
    ]
    for payload, status, reason in bad:
        problem = assert_problem(await client.put(url, json=payload, headers=world.headers("staff")), status)
        assert problem["reason"] == reason, problem
    assert await count_rows(db) == before
    meeting = await meeting_row(db, s.meeting_id)
    assert (meeting.available_slots, meeting.reserved_slots, meeting.sequence) == (3, 1, sequence)
    r = await client.put(
        url,
        json={"mode": "external", "url": "https://example.org/inscription"},
        headers=world.headers("admin"),
    )
    assert r.json()["registration"]["url"] == "https://example.org/inscription"


async def test_more_places_move_the_line_up(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=1)
    racers = await people(db, app, 3)
    for _, headers in racers:
        await client.post(s.registrations, headers=headers)
    r = await client.put(
        f"{s.url}/registration-settings",
        json={"mode": "on_platform", "available_slots": 2},
        headers=world.headers("staff"),
    )
    assert r.json()["registration"]["registrations_count"] == 2
    rows = await registrations(db, s.meeting_id)
    assert [row.status for row in rows] == ["registered", "registered", "waiting"]
    await assert_counts_match_rows(db, s.meeting_id)
    assert [m.to for m in app.state.mailer.outbox if "A place is yours" in m.subject] == [racers[1][0].email]


async def test_a_meeting_of_another_commune_is_not_found(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await setup(client, world, db, available_slots=2)
    other = s.comp.meetings.replace("/communes/alpha/", "/communes/beta/")
    r = await client.post(f"{other}/{s.meeting_id}/registrations", headers=world.headers("beta_admin"))
    assert r.status_code == 404
    assert await insert_meeting(db, s.comp) != s.meeting_id


async def test_a_check_in_code_taken_in_the_commune_is_drawn_again(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = await setup(client, world, db, available_slots=5)
    other = await setup(client, world, db, available_slots=5)
    draws = iter(["AAAA2222", "AAAA2222", "AAAA2222", "BBBB3333"])
    monkeypatch.setattr(service, "new_code", lambda: next(draws))
    (_, h1), (_, h2) = await people(db, app, 2)
    first = await client.post(s.registrations, headers=h1)
    assert first.json()["code"] == "AAAA2222"
    # The same code for another meeting of the commune is refused by the database: drawn again.
    second = await client.post(other.registrations, headers=h2)
    assert second.status_code == 201, second.text
    assert second.json()["code"] == "BBBB3333"
    assert [r.number for r in await registrations(db, other.meeting_id)] == [1]
    await assert_counts_match_rows(db, other.meeting_id)
