"""Open data (CSV streamed, JSON pages) of a component's and the commune's public meetings, without personal
data; the registrations export for the team (permission, an audit entry per export, streamed)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.modules.agenda.calendars import service_export
from tests.fixtures.factories import World
from tests.modules.agenda.helpers import (
    assert_problem,
    count_rows,
    insert_meeting,
    make_component,
    register,
    soon,
)

LINK = "https://meet.jit.si/atelier"


def rows(r: httpx.Response) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(r.text)))


async def test_open_data_of_public_meetings_without_personal_data(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    author = world.users["participant"].id
    a = await insert_meeting(
        db,
        comp,
        official=False,
        author_id=author,
        title={"fr": "=HYPERLINK(1)", "nl": "Wijkvergadering"},
        start_at=soon(2),
        registrations_count=4,
        closed_at=datetime.now(UTC),
        attendees_count=30,
        closing_visible=True,
    )
    b = await insert_meeting(
        db,
        comp,
        meeting_type="online",
        address=None,
        online_url=LINK,
        online_url_visibility="signed_in",
        start_at=soon(5),
        closed_at=datetime.now(UTC),
        attendees_count=12,
        closing_visible=False,
    )
    await insert_meeting(db, comp, private=True, transparent=True)
    await insert_meeting(db, comp, status="draft", published_at=None)
    await register(db, world, a, "participant")

    lines = rows(await client.get(comp.url + "/meetings.csv"))
    assert [line["id"] for line in lines] == [str(a), str(b)]
    assert lines[0]["title_fr"] == "'=HYPERLINK(1)" and lines[0]["official"] == "false"
    assert lines[0]["registrations_count"] == "4" and lines[0]["attendees_count"] == "30"
    assert lines[1]["online_url"] == "" and lines[1]["attendees_count"] == ""  # closing not visible
    header = set(lines[0])
    assert not header & {"author_id", "email", "display_name", "user_id", "code"}
    assert str(author) not in (await client.get(comp.url + "/meetings.csv")).text

    page = (await client.get(comp.url + "/meetings.json", params={"limit": 1})).json()
    assert [m["id"] for m in page["items"]] == [str(a)] and page["next_cursor"]
    assert "author_id" not in page["items"][0]
    rest = (await client.get(comp.url + "/meetings.json", params={"cursor": page["next_cursor"]})).json()
    assert [m["id"] for m in rest["items"]] == [str(b)] and rest["next_cursor"] is None
    assert rest["items"][0]["online_url"] is None


async def test_the_commune_open_data_spans_published_components_with_filters(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    first = await make_component(client, world)
    second = await make_component(client, world, slug="workshops")
    hidden = await make_component(client, world, slug="drafts", publish=False)
    a = await insert_meeting(db, first, district="Centre", start_at=soon(1))
    b = await insert_meeting(db, second, district="Nord", start_at=soon(2))
    await insert_meeting(db, hidden)
    url = "/v1/communes/alpha/agenda/meetings"
    assert [r["id"] for r in rows(await client.get(url + ".csv"))] == [str(a), str(b)]
    assert [r["id"] for r in rows(await client.get(url + ".csv", params={"district": "Nord"}))] == [str(b)]
    items = (await client.get(url + ".json", params={"component_id": first.id})).json()["items"]
    assert [m["id"] for m in items] == [str(a)]
    before = await count_rows(db)
    for params in ({"type": "party"}, {"from": "2027-01-02T00:00:00Z", "to": "2027-01-01T00:00:00Z"}):
        assert_problem(await client.get(url + ".csv", params=params), 422)
        assert_problem(await client.get(url + ".json", params=params), 422)
    assert await count_rows(db) == before


async def test_a_csv_export_streams_in_batches(
    client: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    comp = await make_component(client, world)
    ids = [await insert_meeting(db, comp, start_at=soon(d)) for d in (1, 2, 2, 3, 4)]
    for meeting, who in zip(ids[:3], ("participant", "staff", "admin"), strict=True):
        await register(db, world, meeting, who)
    for n, who in enumerate(("participant", "staff", "admin", "moderator", "valuator"), start=1):
        await register(db, world, ids[4], who, number=n)
    monkeypatch.setattr(service_export, "BATCH", 2)
    got = [r["id"] for r in rows(await client.get(comp.url + "/meetings.csv"))]
    assert sorted(got) == sorted(str(i) for i in ids) and len(got) == 5
    numbers = rows(
        await client.get(comp.meeting(ids[4]) + "/registrations.csv", headers=world.headers("staff"))
    )
    assert [r["number"] for r in numbers] == ["1", "2", "3", "4", "5"]


async def test_the_registrations_export_is_for_the_team_and_audited(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    meeting = await insert_meeting(db, comp, registration_mode="on_platform", available_slots=10)
    await register(db, world, meeting, "participant")
    await register(db, world, meeting, "staff", status="waiting", number=2)
    url = comp.meeting(meeting) + "/registrations.csv"
    before = await count_rows(db)
    assert_problem(await client.get(url), 401)
    for who in ("participant", "moderator"):
        assert_problem(await client.get(url, headers=world.headers(who)), 403)
    assert await count_rows(db) == before

    lines = rows(await client.get(url, headers=world.headers("staff")))
    assert [(r["number"], r["status"], r["email"]) for r in lines] == [
        ("1", "registered", world.users["participant"].email),
        ("2", "waiting", world.users["staff"].email),
    ]
    assert lines[0]["display_name"] == world.users["participant"].display_name
    async with db.unit_of_work() as session:
        entries = (
            (
                await session.execute(
                    select(AuditEntry).where(AuditEntry.action == "agenda.meeting.registrations_exported")
                )
            )
            .scalars()
            .all()
        )
    assert [(e.resource_id, e.actor_id, e.commune_id) for e in entries] == [
        (meeting, world.users["staff"].id, world.alpha.id)
    ]
    other = url.replace("/communes/alpha/", "/communes/beta/")
    assert_problem(await client.get(other, headers=world.headers("beta_admin")), 404)
