"""Check-in at the door by code (idempotent, attendance counted once; a code of another meeting or commune
is 404; a cancelled or waiting registration is 409), the public list of participants who opted in, and the
person's data: exported, and erased without changing the counts."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.agenda.helpers import assert_problem, count_rows, insert_meeting, make_component
from tests.modules.agenda.registrations_helpers import (
    assert_counts_match_rows,
    meeting_row,
    people,
    registrations,
    setup,
)


async def test_check_in(client: httpx.AsyncClient, world: World, db: Database, app: Any) -> None:
    s = await setup(client, world, db, available_slots=1)
    (_, h1), (_, h2), (person, h3) = await people(db, app, 3)
    codes = [(await client.post(s.registrations, headers=h)).json()["code"] for h in (h1, h2, h3)]
    url = f"{s.url}/check-ins"
    staff = world.headers("moderator")
    assert_problem(await client.post(url, json={"code": codes[0]}, headers=world.headers("participant")), 403)
    first = await client.post(url, json={"code": codes[0].lower()}, headers=staff)
    assert first.status_code == 200, first.text
    assert (first.json()["already_checked_in"], first.json()["attendance_count"]) == (False, 1)
    again = await client.post(url, json={"code": codes[0]}, headers=staff)
    assert (again.json()["already_checked_in"], again.json()["attendance_count"]) == (True, 1)
    assert again.json()["checked_in_at"] == first.json()["checked_in_at"]
    assert (await client.get(s.url)).json()["attendance_count"] == 1

    before = await count_rows(db)
    waiting = assert_problem(await client.post(url, json={"code": codes[1]}, headers=staff), 409)
    assert (waiting["reason"], waiting["registration_status"]) == ("not_registered", "waiting")
    await client.delete(s.mine, headers=h3)
    before = await count_rows(db)
    cancelled = assert_problem(await client.post(url, json={"code": codes[2]}, headers=staff), 409)
    assert cancelled["reason"] == "registration_cancelled"
    assert_problem(await client.post(url, json={"code": "ZZZZZZZZ"}, headers=staff), 404)
    assert_problem(await client.post(url, json={"code": "a"}, headers=staff), 422)
    assert await count_rows(db) == before

    # A code of another meeting of the commune, or of another commune, does not exist here.
    other = await insert_meeting(db, s.comp, registration_mode="on_platform")
    assert_problem(
        await client.post(f"{s.comp.meeting(other)}/check-ins", json={"code": codes[1]}, headers=staff), 404
    )
    beta = await make_component(client, world, commune="beta")
    beta_meeting = await insert_meeting(db, beta, registration_mode="on_platform")
    r = await client.post(
        f"{beta.meeting(beta_meeting)}/check-ins",
        json={"code": codes[0]},
        headers=world.headers("beta_admin"),
    )
    assert_problem(r, 404)
    meeting = await assert_counts_match_rows(db, s.meeting_id)
    assert meeting.attendance_count == 1
    assert person.email  # the cancelled registrant stays an account


async def test_public_participants(client: httpx.AsyncClient, world: World, db: Database, app: Any) -> None:
    s = await setup(client, world, db, available_slots=10)
    racers = await people(db, app, 5, prefix="voisin")
    for i, (_, headers) in enumerate(racers):
        await client.post(s.registrations, json={"public_participation": i % 2 == 0}, headers=headers)
    await client.delete(s.mine, headers=racers[4][1])
    url = f"{s.url}/participants"
    page = (await client.get(f"{url}?limit=1")).json()
    names = [i["display_name"] for i in page["items"]]
    while page["next_cursor"]:
        page = (await client.get(f"{url}?limit=1&cursor={page['next_cursor']}")).json()
        names += [i["display_name"] for i in page["items"]]
    assert names == ["voisin0", "voisin2"]
    assert set((await client.get(url)).json()["items"][0]) == {"display_name", "registered_at"}

    # A transparent private meeting: listed for all, but only its guests and staff see who comes.
    hidden = await setup(client, world, db, available_slots=10, private=True, transparent=True)
    guest = world.headers("participant")
    await client.post(hidden.registrations, json={"public_participation": True}, headers=guest)
    assert_problem(await client.get(f"{hidden.url}/participants"), 404)
    assert_problem(await client.get(f"{hidden.url}/participants", headers=racers[0][1]), 404)
    for who in (guest, world.headers("staff")):
        listed = (await client.get(f"{hidden.url}/participants", headers=who)).json()["items"]
        assert [p["display_name"] for p in listed] == ["participant"]


async def test_export_and_erase(client: httpx.AsyncClient, world: World, db: Database, app: Any) -> None:
    s = await setup(client, world, db, available_slots=5)
    me = world.headers("participant")
    person = world.users["participant"]
    await client.post(s.registrations, json={"public_participation": True}, headers=me)
    r = await client.post(
        f"{s.url}/invites", json={"email": person.email.upper()}, headers=world.headers("staff")
    )
    assert r.status_code == 201, r.text
    exported = (await client.get("/v1/me/export", headers=me)).json()
    agenda = exported["modules"]["agenda"]
    assert [(x["meeting_id"], x["status"], x["number"]) for x in agenda["registrations"]] == [
        (str(s.meeting_id), "registered", 1)
    ]
    assert [i["email"] for i in agenda["invitations"]] == [person.email.lower()]

    assert (await client.delete("/v1/me", headers=me)).status_code == 204
    rows = await registrations(db, s.meeting_id)
    assert [(r.user_id, r.status) for r in rows] == [(None, "registered")]
    assert (await meeting_row(db, s.meeting_id)).registrations_count == 1
    assert (await client.get(f"{s.url}/participants")).json()["items"] == []
    invites = (await client.get(f"{s.url}/invites", headers=world.headers("staff"))).json()["items"]
    assert invites == []
    module = app.state.registry.get("agenda")
    async with db.unit_of_work() as session:
        assert await module.export_personal_data(session, person.id) == {
            "registrations": [],
            "invitations": [],
            "registration_forms": [],
        }
