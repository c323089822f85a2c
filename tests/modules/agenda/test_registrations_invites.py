"""Invitations: staff invite an account or an e-mail address (told by mail; an address gets a secret link
whose hash alone is kept); invitees see a private meeting, accept (which registers an account where the
meeting takes registrations here) or decline."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import httpx

from civicapi.core.db.session import Database
from civicapi.modules.agenda.models import Invite
from tests.fixtures.factories import World
from tests.modules.agenda.helpers import assert_problem, count_rows
from tests.modules.agenda.registrations_helpers import assert_counts_match_rows, people, registrations, setup


async def test_invite_an_account_who_accepts_and_is_registered(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=5, private=True)
    (guest, headers), (_, stranger) = await people(db, app, 2)
    assert_problem(await client.get(s.url, headers=headers), 404)
    url = f"{s.url}/invites"
    assert_problem(
        await client.post(url, json={"user_id": str(guest.id)}, headers=world.headers("participant")), 403
    )
    r = await client.post(url, json={"user_id": str(guest.id)}, headers=world.headers("staff"))
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["email"]) == ("pending", None)
    assert [m.subject for m in app.state.mailer.outbox if m.to == guest.email] == [
        "You are invited: Assemblée de quartier"
    ]
    before = await count_rows(db)
    again = await client.post(url, json={"user_id": str(guest.id)}, headers=world.headers("staff"))
    assert assert_problem(again, 409)["reason"] == "already_invited"
    assert_problem(await client.post(url, json={}, headers=world.headers("staff")), 422)
    assert await count_rows(db) == before

    assert (await client.get(s.url, headers=headers)).status_code == 200  # invited: sees the private meeting
    assert_problem(await client.post(f"{url}/mine", json={"accept": True}, headers=stranger), 404)
    answer = await client.post(f"{url}/mine", json={"accept": True}, headers=headers)
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    assert (await client.get(s.mine, headers=headers)).json()["status"] == "registered"
    declined = await client.post(f"{url}/mine", json={"accept": False}, headers=headers)
    assert assert_problem(declined, 409)["reason"] == "invite_answered"
    listed = (await client.get(url, headers=world.headers("staff"))).json()["items"]
    assert [(i["user_id"], i["status"]) for i in listed] == [(str(guest.id), "accepted")]
    await assert_counts_match_rows(db, s.meeting_id)


async def test_invite_an_address_who_answers_with_the_secret(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=5, private=True)
    r = await client.post(
        f"{s.url}/invites", json={"email": "Voisine@Example.org"}, headers=world.headers("admin")
    )
    assert r.status_code == 201 and r.json()["email"] == "voisine@example.org"
    mail = next(m for m in app.state.mailer.outbox if m.to == "voisine@example.org")
    token = re.search(r"token=(\S+)", mail.body)
    assert token is not None
    secret = token.group(1)
    async with db.unit_of_work() as session:
        row = await session.get(Invite, uuid.UUID(r.json()["id"]))
        assert row is not None and row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in (row.token_hash or "")

    answer_url = f"{s.comp.url}/invitations/answer"
    before = await count_rows(db)
    assert_problem(await client.post(answer_url, json={"accept": False, "token": "inv_" + "x" * 40}), 404)
    assert await count_rows(db) == before
    declined = await client.post(answer_url, json={"accept": False, "token": secret})
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert await registrations(db, s.meeting_id) == []
    again = await client.post(answer_url, json={"accept": False, "token": secret})
    assert again.status_code == 200 and again.json()["status"] == "declined"  # the same answer: safe to retry


async def test_accepting_meets_the_refusals_of_registering(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    s = await setup(client, world, db, available_slots=5, registration_terms={"fr": "J'accepte."})
    ((guest, headers),) = await people(db, app, 1)
    await client.post(f"{s.url}/invites", json={"user_id": str(guest.id)}, headers=world.headers("staff"))
    before = await count_rows(db)
    refused = await client.post(f"{s.url}/invites/mine", json={"accept": True}, headers=headers)
    assert assert_problem(refused, 422)["reason"] == "terms_not_accepted"
    assert await count_rows(db) == before
    listed = (await client.get(f"{s.url}/invites", headers=world.headers("staff"))).json()["items"]
    assert [i["status"] for i in listed] == ["pending"]
    accepted = await client.post(
        f"{s.url}/invites/mine", json={"accept": True, "accept_terms": True}, headers=headers
    )
    assert accepted.json()["status"] == "accepted"
    assert [r.status for r in await registrations(db, s.meeting_id)] == ["registered"]
