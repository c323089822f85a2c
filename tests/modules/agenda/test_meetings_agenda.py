"""A meeting's agenda through the API: two levels, ordered, durations fitting the meeting and the parent
item; read by whoever sees the meeting's details."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.agenda.helpers import assert_problem, count_rows, insert_meeting, make_component
from tests.modules.agenda.meetings_helpers import actions, create_meeting


async def _add(client: httpx.AsyncClient, world: World, url: str, who: str = "staff", **fields: Any) -> Any:
    body = {"title": {"fr": fields.pop("title", "Point")}, **fields}
    r = await client.post(url, json=body, headers=world.headers(who))
    assert r.status_code == 201, r.text
    return r.json()


async def test_items_nest_two_levels_in_order_and_are_read_with_the_meeting(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    meeting = await create_meeting(client, world, comp)  # 2 hours
    agenda = comp.meeting(meeting["id"]) + "/agenda"
    welcome = await _add(client, world, agenda, title="Accueil", duration_minutes=15)
    projects = await _add(client, world, agenda, title="Projets", duration_minutes=60)
    first = await _add(
        client, world, agenda, title="Les bancs", duration_minutes=20, parent_id=projects["id"]
    )
    second = await _add(
        client, world, agenda, title="Le potager", duration_minutes=30, parent_id=projects["id"]
    )
    opening = await _add(client, world, agenda, title="Mot du bourgmestre", duration_minutes=5, position=0)

    r = await client.get(agenda)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["title"]["fr"] for i in items] == ["Mot du bourgmestre", "Accueil", "Projets"]
    assert [i["id"] for i in items] == [opening["id"], welcome["id"], projects["id"]]
    assert [c["id"] for c in items[2]["children"]] == [first["id"], second["id"]]
    assert r.json()["next_cursor"] is None

    page = (await client.get(agenda, params={"limit": 2})).json()
    assert [i["id"] for i in page["items"]] == [opening["id"], welcome["id"]]
    rest = (await client.get(agenda, params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert [i["id"] for i in rest["items"]] == [projects["id"]]

    r = await client.post(
        agenda + "/reorder",
        json={"item_ids": [projects["id"], opening["id"], welcome["id"]]},
        headers=world.headers("staff"),
    )
    assert r.status_code == 200, r.text
    assert [i["id"] for i in r.json()["items"]] == [projects["id"], opening["id"], welcome["id"]]
    assert len(r.json()["items"][0]["children"]) == 2
    r = await client.post(
        agenda + "/reorder",
        json={"parent_id": projects["id"], "item_ids": [second["id"], first["id"]]},
        headers=world.headers("staff"),
    )
    assert r.status_code == 200, r.text
    items = (await client.get(agenda)).json()["items"]
    assert [i["id"] for i in items] == [projects["id"], opening["id"], welcome["id"]]
    assert [c["id"] for c in items[0]["children"]] == [second["id"], first["id"]]

    r = await client.patch(
        f"{agenda}/{welcome['id']}",
        json={"title": {"fr": "Accueil et café"}, "duration_minutes": 20},
        headers=world.headers("staff"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["duration_minutes"] == 20 and r.json()["title"] == {"fr": "Accueil et café"}

    r = await client.delete(f"{agenda}/{projects['id']}", headers=world.headers("staff"))
    assert r.status_code == 204, r.text
    items = (await client.get(agenda)).json()["items"]
    assert [i["id"] for i in items] == [opening["id"], welcome["id"]]
    assert (await count_rows(db))["agenda_agenda_item"] == 2  # its sub-items went with it
    assert_problem(await client.delete(f"{agenda}/{projects['id']}", headers=world.headers("staff")), 404)
    done = [a for a in await actions(db) if a.startswith("agenda.agenda_item.")]
    assert sorted(set(done)) == [
        "agenda.agenda_item.create",
        "agenda.agenda_item.delete",
        "agenda.agenda_item.update",
    ]
    assert "agenda.meeting.reorder_agenda" in await actions(db)


async def test_durations_levels_and_orders_that_do_not_fit_are_refused(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    meeting = await create_meeting(client, world, comp)  # 120 minutes
    agenda = comp.meeting(meeting["id"]) + "/agenda"
    staff = world.headers("staff")
    block = await _add(client, world, agenda, duration_minutes=90)
    child = await _add(client, world, agenda, duration_minutes=60, parent_id=block["id"])
    other = await _add(client, world, agenda, duration_minutes=30)
    before = await count_rows(db)

    def reason_of(r: httpx.Response) -> str:
        return str(assert_problem(r, 422)["reason"])

    add = {"title": {"fr": "De trop"}}
    assert reason_of(await client.post(agenda, json={**add, "duration_minutes": 1}, headers=staff)) == (
        "agenda_too_long"
    )
    sub = {**add, "parent_id": block["id"], "duration_minutes": 31}
    assert reason_of(await client.post(agenda, json=sub, headers=staff)) == "sub_items_too_long"
    deep = {**add, "parent_id": child["id"]}
    assert reason_of(await client.post(agenda, json=deep, headers=staff)) == "too_deep"
    unknown = {**add, "parent_id": "00000000-0000-4000-8000-000000000000"}
    assert reason_of(await client.post(agenda, json=unknown, headers=staff)) == "unknown_parent"
    locale = {"title": {"es": "Punto"}}
    assert reason_of(await client.post(agenda, json=locale, headers=staff)) == "unknown_locale"
    longer = await client.patch(f"{agenda}/{other['id']}", json={"duration_minutes": 31}, headers=staff)
    assert reason_of(longer) == "agenda_too_long"
    shorter = await client.patch(f"{agenda}/{block['id']}", json={"duration_minutes": 59}, headers=staff)
    assert reason_of(shorter) == "sub_items_too_long"
    grown = await client.patch(f"{agenda}/{child['id']}", json={"duration_minutes": 91}, headers=staff)
    assert reason_of(grown) == "sub_items_too_long"
    partial = await client.post(agenda + "/reorder", json={"item_ids": [block["id"]]}, headers=staff)
    assert reason_of(partial) == "not_siblings"
    twice = {"item_ids": [block["id"], block["id"]]}
    assert reason_of(await client.post(agenda + "/reorder", json=twice, headers=staff)) == "not_siblings"
    # The meeting cannot become shorter than its agenda.
    short = {"end_at": meeting["start_at"].replace("T18:00", "T19:00")}
    assert reason_of(await client.patch(comp.meeting(meeting["id"]), json=short, headers=staff)) == (
        "agenda_too_long"
    )
    assert await count_rows(db) == before


async def test_who_edits_and_who_reads_an_agenda(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world, settings={"participant_meetings_enabled": True})
    own = await create_meeting(client, world, comp, "participant")
    agenda = comp.meeting(own["id"]) + "/agenda"
    await _add(client, world, agenda, "participant", duration_minutes=10)
    body = assert_problem(
        await client.post(agenda, json={"title": {"fr": "X"}}, headers=world.headers("outsider")), 403
    )
    assert body["reason"] == "not_the_author"
    assert_problem(await client.post(agenda, json={"title": {"fr": "X"}}), 401)
    await _add(client, world, agenda, "admin", duration_minutes=10)
    assert len((await client.get(agenda)).json()["items"]) == 2

    transparent = await insert_meeting(db, comp, private=True, transparent=True)
    hidden = comp.meeting(transparent) + "/agenda"
    assert (await client.get(comp.meeting(transparent))).status_code == 200
    assert_problem(await client.get(hidden), 404)
    assert (await client.get(hidden, headers=world.headers("staff"))).status_code == 200

    cancelled = await insert_meeting(db, comp, status="cancelled")
    before = await count_rows(db)
    body = assert_problem(
        await client.post(
            comp.meeting(cancelled) + "/agenda", json={"title": {"fr": "X"}}, headers=world.headers("staff")
        ),
        409,
    )
    assert body["reason"] == "cancelled"
    assert await count_rows(db) == before


async def test_racing_additions_never_overrun_the_meeting(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    meeting = await create_meeting(client, world, comp)  # 120 minutes
    agenda = comp.meeting(meeting["id"]) + "/agenda"
    body = {"title": {"fr": "Intervention"}, "duration_minutes": 10}
    responses = await asyncio.gather(
        *(client.post(agenda, json=body, headers=world.headers("staff")) for _ in range(30))
    )
    assert Counter(r.status_code for r in responses) == {201: 12, 422: 18}, [r.text for r in responses][:3]
    assert {r.json()["reason"] for r in responses if r.status_code == 422} == {"agenda_too_long"}
    items = (await client.get(agenda, params={"limit": 100})).json()["items"]
    assert sum(i["duration_minutes"] for i in items) == 120
    assert sorted(i["position"] for i in items) == list(range(12))
