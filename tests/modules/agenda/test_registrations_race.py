"""Race-free capacity: 200 people racing for the last 10 places get exactly 10 registrations and 190
places in the waiting list, numbered in arrival order; one person racing with themself gets one
registration; concurrent check-ins of one code count it once. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.agenda.registrations_helpers import (
    assert_counts_match_rows,
    people,
    registrations,
    setup,
)

RACERS = 200


async def test_200_people_racing_for_the_last_10_places(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=12, reserved_slots=2)
    racers = await people(db, app, RACERS)
    answers = await asyncio.gather(*(client.post(s.registrations, json={}, headers=h) for _, h in racers))
    assert Counter(r.status_code for r in answers) == {201: RACERS}
    assert Counter(r.json()["status"] for r in answers) == {"registered": 10, "waiting": 190}

    rows = await registrations(db, s.meeting_id)
    assert len(rows) == RACERS and {r.user_id for r in rows} == {u.id for u, _ in racers}
    # Arrival order: numbers 1..200 without a gap, the places to the first ten to arrive, the waiting
    # list in the order of the numbers.
    assert [r.number for r in rows] == list(range(1, RACERS + 1))
    assert [r.status for r in rows] == ["registered"] * 10 + ["waiting"] * 190
    assert len({r.code for r in rows}) == RACERS
    meeting = await assert_counts_match_rows(db, s.meeting_id)
    assert (meeting.registrations_count, meeting.waiting_count, meeting.queue_seq) == (10, 190, RACERS)

    # Each person's place in line follows their number.
    last = next(headers for user, headers in racers if user.id == rows[-1].user_id)
    mine = (await client.get(s.mine, headers=last)).json()
    assert (mine["status"], mine["number"], mine["place_in_line"]) == ("waiting", RACERS, 190)


async def test_one_person_racing_with_themself_gets_one_registration(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    s = await setup(client, world, db, available_slots=5)
    me = world.headers("participant")
    answers = await asyncio.gather(*(client.post(s.registrations, json={}, headers=me) for _ in range(30)))
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {201: 1, 200: 29}, statuses
    assert len({r.json()["id"] for r in answers}) == 1
    assert len(await registrations(db, s.meeting_id)) == 1
    meeting = await assert_counts_match_rows(db, s.meeting_id)
    assert meeting.registrations_count == 1


async def test_concurrent_check_ins_count_once(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=5)
    code = (await client.post(s.registrations, headers=world.headers("participant"))).json()["code"]
    staff = world.headers("moderator")
    answers = await asyncio.gather(
        *(client.post(f"{s.url}/check-ins", json={"code": code}, headers=staff) for _ in range(30))
    )
    assert Counter(r.status_code for r in answers) == {200: 30}
    assert Counter(r.json()["already_checked_in"] for r in answers) == {False: 1, True: 29}
    assert {r.json()["checked_in_at"] for r in answers} == {answers[0].json()["checked_in_at"]}
    meeting = await assert_counts_match_rows(db, s.meeting_id)
    assert meeting.attendance_count == 1
