"""Reminders of the agenda: registrants before their meeting, organisers when registrations pass the fill
threshold, authors of past meetings not closed. Each is sent once, whatever the number of sweeps racing;
the sweep runs in every process and once from ``civicapi agenda reminders``."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicapi.cli import main
from civicapi.core.db.session import Database
from civicapi.modules.agenda.closing.reminders import sweep
from civicapi.modules.agenda.models import Meeting
from tests.fixtures.factories import World, make_user
from tests.modules.agenda.closing_helpers import register
from tests.modules.agenda.helpers import insert_meeting, make_component


def _in(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


async def _sent(db: Database, meeting_id: uuid.UUID) -> dict[str, bool]:
    async with db.unit_of_work() as session:
        m = await session.get(Meeting, meeting_id)
        assert m is not None
        return {
            "reminder": m.reminders_sent_at is not None,
            "fill_alert": m.fill_alert_sent_at is not None,
            "close_reminder": m.close_reminder_sent_at is not None,
        }


async def test_registrants_are_reminded_once_before_their_meeting(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(
        client, world, settings={"reminder_hours_before": 24, "fill_alert_percent": 0}
    )
    fields = {"registration_mode": "on_platform", "available_slots": 0, "online_url": "https://meet.jit.si/q"}
    tomorrow = await insert_meeting(db, comp, start_at=_in(hours=10), meeting_type="hybrid", **fields)
    later = await insert_meeting(db, comp, start_at=_in(days=3), **fields)
    external = await insert_meeting(db, comp, start_at=_in(hours=10), registration_mode="external")
    users = world.users
    for who, status in (("participant", "registered"), ("valuator", "registered"), ("staff", "waiting")):
        await register(db, tomorrow, users[who].id, status=status)
    await register(db, tomorrow, users["moderator"].id, status="cancelled")
    await register(db, later, users["participant"].id)
    unconfirmed = await make_user(db, "unconfirmed@alpha.test.org", confirmed=False)
    await register(db, tomorrow, unconfirmed.id)
    mails = app.state.mailer.outbox
    mails.clear()

    result = await sweep(db)
    assert result.sent == {"reminder": 1} and result.mails == 2
    assert sorted(m.to for m in mails) == ["participant@alpha.test.org", "valuator@alpha.test.org"]
    assert "Assemblée de quartier" in mails[0].subject
    assert "https://meet.jit.si/q" in mails[0].body and "Place du Marché 1" in mails[0].body
    assert (await _sent(db, tomorrow))["reminder"] and not (await _sent(db, later))["reminder"]
    assert not (await _sent(db, external))["reminder"]
    again = await sweep(db)
    assert again.sent == {} and len(mails) == 2
    # Three days later (its time has come): the other meeting's registrant, once.
    assert (await sweep(db, now=_in(days=2, hours=1))).sent == {"reminder": 1}
    assert len(mails) == 3 and mails[-1].to == "participant@alpha.test.org"


async def test_sweeps_racing_send_each_reminder_once(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(
        client, world, settings={"reminder_hours_before": 48, "fill_alert_percent": 0}
    )
    people = [await make_user(db, f"r{i}@people.test") for i in range(6)]
    meetings = [
        await insert_meeting(db, comp, start_at=_in(hours=5 + i), registration_mode="on_platform")
        for i in range(4)
    ]
    for meeting in meetings:
        for person in people:
            await register(db, meeting, person.id)
    mails = app.state.mailer.outbox
    mails.clear()

    results = await asyncio.gather(*(sweep(db) for _ in range(8)))
    assert sum(r.sent["reminder"] for r in results) == len(meetings)
    assert Counter(m.to for m in mails) == {p.email: len(meetings) for p in people}


async def test_organisers_are_told_when_registrations_pass_the_threshold(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(
        client, world, settings={"fill_alert_percent": 50, "reminder_hours_before": 0}
    )
    places = {"registration_mode": "on_platform", "available_slots": 10, "reserved_slots": 2}
    official = await insert_meeting(db, comp, start_at=_in(days=5), **places)
    author = world.users["participant"]
    theirs = await insert_meeting(
        db, comp, start_at=_in(days=5), official=False, author_id=author.id, **places
    )
    people = [await make_user(db, f"p{i}@people.test") for i in range(4)]
    for person in people[:3]:
        for meeting in (official, theirs):
            await register(db, meeting, person.id)
    mails = app.state.mailer.outbox
    mails.clear()

    assert (await sweep(db)).sent == {}  # 3 of 8 places: not yet half
    await register(db, official, people[3].id)
    await register(db, theirs, people[3].id)
    result = await sweep(db)
    assert result.sent == {"fill_alert": 2}
    # The commune has no contact address: its admins and staff; a participant's meeting: its author.
    assert sorted(m.to for m in mails) == [
        "admin@alpha.test.org",
        "participant@alpha.test.org",
        "staff@alpha.test.org",
    ]
    assert all("4 of 8 places taken" in m.subject for m in mails)
    assert (await sweep(db)).sent == {}


async def test_authors_are_reminded_to_close_a_past_meeting(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(client, world, settings={"close_reminder_days": 2})
    author = {"official": False, "author_id": world.users["participant"].id}
    due = await insert_meeting(db, comp, start_at=_in(days=-3, hours=-2), **author)
    recent = await insert_meeting(db, comp, start_at=_in(days=-1, hours=-2), **author)
    long_ago = await insert_meeting(db, comp, start_at=_in(days=-40), **author)
    closed = await insert_meeting(
        db, comp, start_at=_in(days=-3, hours=-2), closed_at=_in(days=-2), minutes={"fr": "Fait."}, **author
    )
    cancelled = await insert_meeting(db, comp, start_at=_in(days=-3, hours=-2), status="cancelled", **author)
    mails = app.state.mailer.outbox
    mails.clear()

    assert (await sweep(db)).sent == {"close_reminder": 1}
    assert [m.to for m in mails] == ["participant@alpha.test.org"]
    assert "publish what was decided" in mails[0].subject
    assert (await _sent(db, due))["close_reminder"]
    for meeting in (recent, long_ago, closed, cancelled):
        assert not (await _sent(db, meeting))["close_reminder"]
    assert (await sweep(db)).sent == {}


async def test_nothing_is_sent_where_the_agenda_is_disabled_or_reminders_are_off(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    off = await make_component(
        client,
        world,
        settings={"reminder_hours_before": 0, "fill_alert_percent": 0, "close_reminder_days": 0},
    )
    on = await make_component(client, world, slug="workshops")
    meetings = [
        await insert_meeting(db, comp, start_at=start, registration_mode="on_platform", available_slots=1)
        for comp in (off, on)
        for start in (_in(hours=2), _in(days=-10))
    ]
    for meeting in meetings:
        await register(db, meeting, world.users["valuator"].id)
    r = await client.delete("/v1/communes/alpha/modules/agenda", headers=world.headers("admin"))
    assert r.status_code in (200, 204), r.text
    assert (await sweep(db)).sent == {}
    assert not any([any((await _sent(db, m)).values()) for m in meetings])
    r = await client.put("/v1/communes/alpha/modules/agenda", json={}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    assert (await sweep(db)).sent == {"reminder": 1, "fill_alert": 1, "close_reminder": 1}
    assert not any((await _sent(db, meetings[0])).values())


async def test_the_command_sends_what_is_due(
    client: httpx.AsyncClient,
    world: World,
    db: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    comp = await make_component(client, world, settings={"fill_alert_percent": 0})
    meeting = await insert_meeting(db, comp, start_at=_in(hours=3), registration_mode="on_platform")
    await register(db, meeting, world.users["valuator"].id)
    monkeypatch.setenv("CIVICAPI_DATABASE_URL", database_url)
    from civicapi.config import get_settings

    get_settings.cache_clear()
    try:
        assert await asyncio.to_thread(main, ["agenda", "reminders"]) == 0
        assert "1 reminder; 1 mail(s) sent" in capsys.readouterr().out
        assert await asyncio.to_thread(main, ["agenda", "reminders"]) == 0
        assert "nothing due; 0 mail(s) sent" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    assert (await _sent(db, meeting))["reminder"]
    async with db.unit_of_work() as session:
        assert (await session.execute(select(Meeting.id))).scalars().all() == [meeting]


async def test_every_process_sweeps_once_started(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    """The module's ``on_start`` work: a sweep at once (then every few minutes), until cancelled."""
    comp = await make_component(client, world, settings={"fill_alert_percent": 0})
    meeting = await insert_meeting(db, comp, start_at=_in(hours=3), registration_mode="on_platform")
    await register(db, meeting, world.users["participant"].id)
    mails = app.state.mailer.outbox
    mails.clear()
    hook = app.state.registry.get("agenda").on_start
    task = asyncio.create_task(hook(app.state))
    try:
        for _ in range(100):
            if mails:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [m.to for m in mails] == ["participant@alpha.test.org"]
    assert (await _sent(db, meeting))["reminder"]
