"""Invitations by mail: an admin (or a key with the ``invite`` scope) offers a role to an address without
an account; accepting the mailed code creates the account, its address confirmed, with the role."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from civicapi.communes.models import Invitation, Membership
from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from tests.fixtures.factories import World, make_user

INVITATIONS = "/v1/communes/alpha/invitations"
ACCEPT = "/v1/invitations/accept"
NEWCOMER = "newcomer@example.org"


def code_in_mail(app: Any, to: str) -> str:
    mails = [m for m in app.state.mailer.outbox if m.to == to]
    assert mails, f"no mail to {to}"
    match = re.search(r"code: (\S+)", mails[-1].body)
    assert match
    return match.group(1)


def accept_body(code: str, **fields: Any) -> dict[str, Any]:
    return {"code": code, "display_name": "Newcomer", "password": "a long passphrase", **fields}


async def invitation_rows(db: Database) -> list[Invitation]:
    async with db.unit_of_work() as session:
        return list((await session.execute(select(Invitation))).scalars())


async def test_an_admin_invites_and_the_invitee_joins_with_the_role(
    client: httpx.AsyncClient, world: World, app: Any, db: Database
) -> None:
    admin = world.headers("admin")
    unknown = await client.post(
        "/v1/communes/alpha/members", json={"email": NEWCOMER, "role": "staff"}, headers=admin
    )
    assert unknown.status_code == 404 and unknown.json()["reason"] == "unknown_user"

    r = await client.post(INVITATIONS, json={"email": "NewComer@Example.org", "role": "staff"}, headers=admin)
    assert r.status_code == 201, r.text
    invitation = r.json()
    assert invitation["email"] == NEWCOMER and invitation["role"] == "staff"
    assert invitation["status"] == "pending" and invitation["invited_by_user_id"] == str(
        world.users["admin"].id
    )
    assert r.headers["location"] == f"{INVITATIONS}/{invitation['id']}"
    listed = (await client.get(INVITATIONS, headers=admin)).json()
    assert [i["id"] for i in listed["items"]] == [invitation["id"]] and listed["next_cursor"] is None

    code = code_in_mail(app, NEWCOMER)
    joined = await client.post(ACCEPT, json=accept_body(code))
    assert joined.status_code == 201, joined.text
    assert joined.json()["email"] == NEWCOMER and joined.json()["email_confirmed"] is True
    assert joined.headers["location"] == "/v1/me"
    token = await client.post("/v1/auth/token", json={"email": NEWCOMER, "password": "a long passphrase"})
    assert token.status_code == 200
    members = (await client.get("/v1/communes/alpha/members", headers=admin)).json()["items"]
    assert {"user_id": joined.json()["id"], "role": "staff"} in [
        {"user_id": m["user_id"], "role": m["role"]} for m in members
    ]
    # the code works once; the accepted invitation leaves the list
    again = await client.post(ACCEPT, json=accept_body(code))
    assert again.status_code == 422 and again.json()["reason"] == "invalid_token"
    assert (await client.get(INVITATIONS, headers=admin)).json()["items"] == []
    # the account exists now: give it roles directly
    r = await client.post(INVITATIONS, json={"email": NEWCOMER}, headers=admin)
    assert r.status_code == 409 and r.json()["reason"] == "account_exists"


async def test_inviting_again_refreshes_and_revoking_stops_the_code(
    client: httpx.AsyncClient, world: World, app: Any, db: Database
) -> None:
    admin = world.headers("admin")
    first = (await client.post(INVITATIONS, json={"email": NEWCOMER}, headers=admin)).json()
    old_code = code_in_mail(app, NEWCOMER)
    again = await client.post(INVITATIONS, json={"email": NEWCOMER, "role": "moderator"}, headers=admin)
    assert (
        again.status_code == 201 and again.json()["id"] == first["id"] and again.json()["role"] == "moderator"
    )
    new_code = code_in_mail(app, NEWCOMER)
    assert new_code != old_code and len(await invitation_rows(db)) == 1
    stale = await client.post(ACCEPT, json=accept_body(old_code))
    assert stale.status_code == 422 and stale.json()["reason"] == "invalid_token"

    url = f"{INVITATIONS}/{first['id']}"
    assert (await client.delete(url, headers=admin)).status_code == 204
    assert (await client.delete(url, headers=admin)).status_code == 204  # idempotent
    assert (await client.get(INVITATIONS, headers=admin)).json()["items"] == []
    revoked = await client.post(ACCEPT, json=accept_body(new_code))
    assert revoked.status_code == 422 and revoked.json()["reason"] == "invalid_token"
    # another commune's admin does not see it
    beta = f"/v1/communes/beta/invitations/{first['id']}"
    assert (await client.delete(beta, headers=world.headers("beta_admin"))).status_code == 404

    # sending it again after a revocation makes it usable; an accepted one cannot be revoked
    assert (await client.post(INVITATIONS, json={"email": NEWCOMER}, headers=admin)).status_code == 201
    assert (await client.post(ACCEPT, json=accept_body(code_in_mail(app, NEWCOMER)))).status_code == 201
    accepted = await client.delete(url, headers=admin)
    assert accepted.status_code == 409 and accepted.json()["reason"] == "already_accepted"


async def test_an_expired_invitation_cannot_be_accepted(
    client: httpx.AsyncClient, world: World, app: Any, db: Database
) -> None:
    admin = world.headers("admin")
    r = await client.post(INVITATIONS, json={"email": NEWCOMER}, headers=admin)
    expires = datetime.fromisoformat(r.json()["expires_at"])
    assert timedelta(days=13) < expires - utcnow() <= timedelta(days=14)  # CIVICAPI_INVITATION_TTL_DAYS
    async with db.unit_of_work() as session:
        await session.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    late = await client.post(ACCEPT, json=accept_body(code_in_mail(app, NEWCOMER)))
    assert late.status_code == 422 and late.json()["reason"] == "invalid_token"
    listed = (await client.get(INVITATIONS, headers=admin)).json()["items"]
    assert [i["status"] for i in listed] == ["expired"]


async def test_who_may_invite(client: httpx.AsyncClient, world: World, db: Database) -> None:
    for who, code in (
        ("anonymous", 401),
        ("participant", 403),
        ("staff", 403),
        ("moderator", 403),
        ("beta_admin", 403),
        ("outsider", 403),
    ):
        r = await client.post(INVITATIONS, json={"email": NEWCOMER}, headers=world.headers(who))
        assert r.status_code == code, (who, r.text)
        assert (await client.get(INVITATIONS, headers=world.headers(who))).status_code == code
    bad = await client.post(INVITATIONS, json={"email": "not an address"}, headers=world.headers("admin"))
    assert bad.status_code == 422
    bad_role = await client.post(
        INVITATIONS, json={"email": NEWCOMER, "role": "king"}, headers=world.headers("admin")
    )
    assert bad_role.status_code == 422
    assert await invitation_rows(db) == []


async def test_an_integrator_key_with_the_invite_scope_invites_participants(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    keys = {}
    for name, scopes in (("inviter", ["invite"]), ("reader", ["read", "write:budgets"])):
        r = await client.post(
            "/v1/communes/alpha/api-keys",
            json={"name": name, "scopes": scopes},
            headers=world.headers("admin"),
        )
        assert r.status_code == 201, r.text
        keys[name] = {"X-API-Key": r.json()["key"]}
    refused = await client.post(INVITATIONS, json={"email": NEWCOMER}, headers=keys["reader"])
    assert refused.status_code == 403
    staff = await client.post(INVITATIONS, json={"email": NEWCOMER, "role": "staff"}, headers=keys["inviter"])
    assert staff.status_code == 403 and staff.json()["reason"] == "role_not_allowed"
    assert await invitation_rows(db) == []
    r = await client.post(INVITATIONS, json={"email": NEWCOMER}, headers=keys["inviter"])
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "participant" and r.json()["invited_by_api_key_id"] is not None
    assert (await client.get(INVITATIONS, headers=keys["inviter"])).json()["items"][0]["id"] == r.json()["id"]
    beta = await client.post(
        "/v1/communes/beta/invitations", json={"email": NEWCOMER}, headers=keys["inviter"]
    )
    assert beta.status_code == 401


async def test_the_list_is_paged(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("admin")
    for i in range(3):
        assert (
            await client.post(INVITATIONS, json={"email": f"p{i}@example.org"}, headers=admin)
        ).status_code == 201
    first = await client.get(INVITATIONS, params={"limit": 2, "sort": "email"}, headers=admin)
    page = first.json()
    assert [i["email"] for i in page["items"]] == ["p0@example.org", "p1@example.org"]
    assert page["next_cursor"] and 'rel="next"' in first.headers["link"]
    rest = await client.get(
        INVITATIONS, params={"limit": 2, "sort": "email", "cursor": page["next_cursor"]}, headers=admin
    )
    assert [i["email"] for i in rest.json()["items"]] == ["p2@example.org"] and rest.json()[
        "next_cursor"
    ] is None


async def test_an_address_that_got_an_account_meanwhile(
    client: httpx.AsyncClient, world: World, app: Any, db: Database
) -> None:
    assert (
        await client.post(INVITATIONS, json={"email": NEWCOMER}, headers=world.headers("admin"))
    ).status_code == 201
    await make_user(db, NEWCOMER)
    r = await client.post(ACCEPT, json=accept_body(code_in_mail(app, NEWCOMER)))
    assert r.status_code == 409 and r.json()["reason"] == "email_taken"
    [invitation] = await invitation_rows(db)
    assert invitation.accepted_at is None  # nothing changed
    async with db.unit_of_work() as session:
        assert (await session.execute(select(func.count()).select_from(Membership))).scalar_one() == 6


async def test_accept_input(client: httpx.AsyncClient, world: World, app: Any) -> None:
    assert (
        await client.post(INVITATIONS, json={"email": NEWCOMER}, headers=world.headers("admin"))
    ).status_code == 201
    code = code_in_mail(app, NEWCOMER)
    assert (await client.post(ACCEPT, json=accept_body(code, password="short"))).status_code == 422
    assert (await client.post(ACCEPT, json=accept_body(code, display_name=""))).status_code == 422
    assert (await client.post(ACCEPT, json={"code": code})).status_code == 422
    unknown = await client.post(ACCEPT, json=accept_body("not-a-code"))
    assert unknown.status_code == 422 and unknown.json()["reason"] == "invalid_token"
    assert (await client.post(ACCEPT, json=accept_body(code))).status_code == 201  # still unused


async def test_invitations_in_the_personal_data_export_and_erasure(
    client: httpx.AsyncClient, world: World, app: Any, db: Database
) -> None:
    assert (
        await client.post(INVITATIONS, json={"email": NEWCOMER}, headers=world.headers("admin"))
    ).status_code == 201
    assert (
        await client.post(
            "/v1/communes/beta/invitations", json={"email": NEWCOMER}, headers=world.headers("beta_admin")
        )
    ).status_code == 201
    assert (await client.post(ACCEPT, json=accept_body(code_in_mail(app, NEWCOMER)))).status_code == 201
    login = await client.post("/v1/auth/token", json={"email": NEWCOMER, "password": "a long passphrase"})
    me = {"Authorization": f"Bearer {login.json()['access_token']}"}
    export = (await client.get("/v1/me/export", headers=me)).json()
    assert sorted((i["commune"], i["status"]) for i in export["invitations"]) == [
        ("alpha", "pending"),
        ("beta", "accepted"),
    ]
    assert (await client.delete("/v1/me", headers=me)).status_code == 204
    assert [i.email for i in await invitation_rows(db)] == []


async def test_concurrent_invitations_of_one_address_give_one_row(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    admin = world.headers("admin")
    answers = await asyncio.gather(
        *(client.post(INVITATIONS, json={"email": NEWCOMER}, headers=admin) for _ in range(16))
    )
    assert {r.status_code for r in answers} <= {201, 409}, [r.text for r in answers]
    assert any(r.status_code == 201 for r in answers)
    for r in answers:
        if r.status_code == 409:
            assert r.json()["reason"] == "invitation_in_progress"
    assert len(await invitation_rows(db)) == 1
