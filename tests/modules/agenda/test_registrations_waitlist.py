"""Leaving and the waiting list: a cancellation gives the freed place to the first in line, at once (told
by mail) or as an offer to confirm before a deadline; an expired offer passes the place on, when the
meeting's registrations are next touched and by the periodic sweep. Staff's list of registrations."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from civicapi.core.db.session import Database
from civicapi.modules.agenda.models import Registration
from civicapi.modules.agenda.registrations import waitlist
from civicapi.modules.agenda.registrations.waitlist import sweep_once
from civicapi.modules.agenda.startup import keep_sweeping
from tests.fixtures.factories import World
from tests.modules.agenda.helpers import assert_problem, count_rows
from tests.modules.agenda.registrations_helpers import assert_counts_match_rows, people, registrations, setup


def _mails_to(app: Any, email: str) -> list[str]:
    return [m.subject for m in app.state.mailer.outbox if m.to == email]


async def test_a_cancellation_gives_the_place_to_the_first_in_line(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=1)
    (_, h1), (second, h2), (third, h3) = await people(db, app, 3)
    for headers in (h1, h2, h3):
        await client.post(s.registrations, headers=headers)
    assert (await client.delete(s.mine, headers=h1)).status_code == 204
    assert (await client.get(s.mine, headers=h1)).json()["status"] == "cancelled"
    assert (await client.get(s.mine, headers=h2)).json()["status"] == "registered"
    after = (await client.get(s.mine, headers=h3)).json()
    assert (after["status"], after["place_in_line"]) == ("waiting", 1)
    assert _mails_to(app, second.email) == ["A place is yours: Assemblée de quartier"]
    assert _mails_to(app, third.email) == []
    await assert_counts_match_rows(db, s.meeting_id)

    # Leaving the line frees no place; cancelling twice changes nothing more.
    assert (await client.delete(s.mine, headers=h3)).status_code == 204
    assert (await client.delete(s.mine, headers=h3)).status_code == 204
    meeting = await assert_counts_match_rows(db, s.meeting_id)
    assert (meeting.registrations_count, meeting.waiting_count) == (1, 0)
    # Registering again after cancelling: a new arrival number, at the end of the line.
    again = (await client.post(s.registrations, headers=h1)).json()
    assert (again["status"], again["number"]) == ("waiting", 4)
    assert_problem(await client.delete(s.mine, headers=world.headers("admin")), 404)


async def test_an_offer_to_confirm_then_passed_on_when_it_expires(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=1, offer_hours=24)
    (_, h1), (second, h2), (third, h3), (_, h4) = await people(db, app, 4)
    for headers in (h1, h2, h3, h4):
        await client.post(s.registrations, headers=headers)
    await client.delete(s.mine, headers=h1)
    offer = (await client.get(s.mine, headers=h2)).json()
    assert offer["status"] == "offered"
    until = datetime.fromisoformat(offer["offered_until"])
    assert timedelta(hours=23) < until - datetime.now(UTC) <= timedelta(hours=24)
    assert _mails_to(app, second.email) == ["A place is offered to you: Assemblée de quartier"]
    assert assert_problem(await client.post(f"{s.mine}/confirm", headers=h3), 409)["reason"] == "no_offer"
    # The offer holds the place: nobody else gets it meanwhile.
    assert (await client.get(s.url)).json()["registration"]["places_left"] == 0

    await _expire(db, s.meeting_id)
    before = await count_rows(db)
    problem = assert_problem(await client.post(f"{s.mine}/confirm", headers=h2), 409)
    assert problem["reason"] == "offer_expired"
    assert await count_rows(db) == before
    # The next write to the meeting's registrations passes the place on.
    ((_, h5),) = await people(db, app, 1, prefix="late")
    assert (await client.post(s.registrations, headers=h5)).json()["status"] == "waiting"
    assert (await client.get(s.mine, headers=h2)).json()["status"] == "cancelled"
    assert (await client.get(s.mine, headers=h3)).json()["status"] == "offered"
    assert _mails_to(app, third.email) == ["A place is offered to you: Assemblée de quartier"]
    confirmed = await client.post(f"{s.mine}/confirm", headers=h3)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "registered"
    meeting = await assert_counts_match_rows(db, s.meeting_id)
    assert (meeting.registrations_count, meeting.waiting_count) == (1, 2)


async def test_the_periodic_sweep_passes_expired_offers_on(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=1, offer_hours=2)
    (_, h1), (_, h2), (third, h3) = await people(db, app, 3)
    for headers in (h1, h2, h3):
        await client.post(s.registrations, headers=headers)
    await client.delete(s.mine, headers=h1)
    assert await sweep_once(db) == 0  # nothing expired yet
    await _expire(db, s.meeting_id)
    assert await sweep_once(db) == 1
    assert [r.status for r in await registrations(db, s.meeting_id)] == ["cancelled", "cancelled", "offered"]
    assert _mails_to(app, third.email) == ["A place is offered to you: Assemblée de quartier"]
    await assert_counts_match_rows(db, s.meeting_id)
    assert await sweep_once(db) == 0


async def _expire(db: Database, meeting_id: uuid.UUID) -> None:
    """Move the meeting's offers' deadlines into the past."""
    async with db.unit_of_work() as session:
        await session.execute(
            update(Registration)
            .where(Registration.meeting_id == meeting_id, Registration.status == "offered")
            .values(offered_until=datetime.now(UTC) - timedelta(minutes=1))
        )


async def test_staff_list_and_cancel_by_id(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=2)
    racers = await people(db, app, 5)
    for _, headers in racers:
        await client.post(s.registrations, headers=headers)
    assert_problem(await client.get(s.registrations, headers=world.headers("participant")), 403)
    seen: list[dict[str, Any]] = []
    url = f"{s.registrations}?limit=2"
    while url:
        r = await client.get(url, headers=world.headers("staff"))
        assert r.status_code == 200, r.text
        page = r.json()
        seen += page["items"]
        url = f"{s.registrations}?limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    assert [i["number"] for i in seen] == [1, 2, 3, 4, 5]
    assert [i["email"] for i in seen] == [u.email for u, _ in racers]
    waiting = (await client.get(f"{s.registrations}?status=waiting", headers=world.headers("staff"))).json()
    assert [i["number"] for i in waiting["items"]] == [3, 4, 5]

    target = seen[0]["id"]
    before = await count_rows(db)
    other = racers[1][1]
    problem = assert_problem(await client.delete(f"{s.registrations}/{target}", headers=other), 403)
    assert problem["reason"] == "not_the_registrant"
    assert await count_rows(db) == before
    assert (
        await client.delete(f"{s.registrations}/{target}", headers=world.headers("staff"))
    ).status_code == 204
    assert [r.status for r in await registrations(db, s.meeting_id)][:3] == [
        "cancelled",
        "registered",
        "registered",
    ]
    assert (
        await client.delete(f"{s.registrations}/{seen[3]['id']}", headers=racers[3][1])
    ).status_code == 204
    assert_problem(
        await client.delete(f"{s.registrations}/{uuid.uuid4()}", headers=world.headers("staff")), 404
    )
    await assert_counts_match_rows(db, s.meeting_id)


async def test_the_module_sweeps_while_it_runs(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``on_start`` sweeps at once and then every ``SWEEP_SECONDS``: an offer that expires later is passed on
    without any request touching the meeting."""
    monkeypatch.setattr(waitlist, "SWEEP_SECONDS", 0.05)
    s = await setup(client, world, db, available_slots=1, offer_hours=1)
    (_, h1), (_, h2), (_, h3) = await people(db, app, 3)
    for headers in (h1, h2, h3):
        await client.post(s.registrations, headers=headers)
    await client.delete(s.mine, headers=h1)
    module = app.state.registry.get("agenda")
    assert module.on_start is keep_sweeping
    task = asyncio.create_task(module.on_start(app.state))
    try:
        await asyncio.sleep(0.1)
        await _expire(db, s.meeting_id)
        for _ in range(100):
            statuses = [r.status for r in await registrations(db, s.meeting_id)]
            if statuses[-1] == "offered":
                break
            await asyncio.sleep(0.05)
        assert statuses == ["cancelled", "cancelled", "offered"]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await assert_counts_match_rows(db, s.meeting_id)
