"""The event outbox over HTTP, for platform administrators: what waits (with its last error, never its
payload), what was set aside, and retrying one now."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import event_store as store
from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from civicapi.core.events import Event, EventBus
from tests.fixtures.factories import World

URL = "/v1/platform/events"


async def test_platform_admins_see_what_waits_and_retry_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    broken = True
    received: list[Event] = []

    async def webhook_like(event: Event, session: AsyncSession) -> None:
        if broken:
            raise ConnectionError("the portal does not answer")
        received.append(event)

    db.bus.subscribe("test.outbox", webhook_like)
    start = utcnow()
    events = [  # distinct times: the list's order is theirs (ties would go by random ids)
        Event(
            "test.outbox",
            world.alpha.id,
            {"secret": "a resident's address"},
            occurred_at=start + timedelta(microseconds=n),
        )
        for n in range(3)
    ]
    for event in events:
        async with db.unit_of_work() as session:
            EventBus.publish(session, event)
    # the last one is set aside (as after 10 failures)
    async with db.unit_of_work() as session:
        record = await session.get(store.EventRecord, events[2].id)
        assert record is not None
        record.abandoned_at = utcnow()

    admin = world.headers("platform")
    r = await client.get(URL, params={"limit": 2}, headers=admin)
    assert r.status_code == 200, r.text
    page: dict[str, Any] = r.json()
    assert [item["id"] for item in page["items"]] == [str(e.id) for e in events[:2]]
    assert page["next_cursor"] and 'rel="next"' in r.headers["Link"]
    first = page["items"][0]
    assert (
        first["attempts"] == 1
        and first["set_aside_at"] is None
        and first["commune_id"] == str(world.alpha.id)
    )
    assert "ConnectionError: the portal does not answer" in first["last_error"]
    assert "payload" not in first and "address" not in r.text
    rest = (await client.get(URL, params={"limit": 2, "cursor": page["next_cursor"]}, headers=admin)).json()
    assert [item["id"] for item in rest["items"]] == [str(events[2].id)] and rest["next_cursor"] is None
    aside = (await client.get(URL, params={"state": "set_aside"}, headers=admin)).json()["items"]
    assert [item["id"] for item in aside] == [str(events[2].id)] and aside[0]["set_aside_at"]
    waiting = (
        await client.get(URL, params={"state": "waiting", "name": "test.outbox"}, headers=admin)
    ).json()
    assert len(waiting["items"]) == 2

    r = await client.post(f"{URL}/{events[2].id}/retry", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["set_aside_at"] is None and r.json()["attempts"] == 0
    broken = False
    assert await db.bus.redeliver_due(db, now=utcnow() + store.FIRST_RETRY + timedelta(seconds=1)) == 3
    assert sorted(str(e.id) for e in received) == sorted(str(e.id) for e in events)
    assert (await client.get(URL, headers=admin)).json()["items"] == []

    r = await client.post(f"{URL}/{events[0].id}/retry", headers=admin)  # delivered meanwhile
    assert r.status_code == 404 and r.json()["reason"] == "event_not_found"


async def test_only_platform_admins_and_valid_filters(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get(URL)).status_code == 401
    r = await client.get(URL, headers=world.headers("admin"))  # a commune's admin
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = await client.get(URL, params={"state": "lost"}, headers=world.headers("platform"))
    assert r.status_code == 422 and r.json()["errors"][0]["location"] == ["query", "state"]
    r = await client.post(f"{URL}/not-an-id/retry", headers=world.headers("platform"))
    assert r.status_code == 422
