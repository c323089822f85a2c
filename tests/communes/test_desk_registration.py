"""Accounts opened by staff at the desk: limited per staff account (not per address, which a town hall's
desk shares), then verified at the desk; the resident chooses a password from the mail."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy import select

from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.identity.models import User
from civicapi.main import create_app
from civicapi.registry import load_modules
from tests.fixtures.factories import World

DESK = "/v1/communes/alpha/registrations/desk"


def person(i: int) -> dict[str, Any]:
    return {"email": f"resident{i}@example.org", "display_name": f"Resident {i}", "locale": "nl"}


async def accounts(db: Database) -> dict[str, User]:
    async with db.unit_of_work() as session:
        return {u.email: u for u in (await session.execute(select(User))).scalars()}


async def test_staff_open_an_account_that_is_verified_at_the_desk_and_gets_a_password(
    client: httpx.AsyncClient, world: World, app: Any, db: Database
) -> None:
    staff = world.headers("staff")
    r = await client.post(DESK, json=person(1), headers=staff)
    assert r.status_code == 201, r.text
    assert r.json()["email"] == "resident1@example.org" and r.json()["email_confirmed"] is False
    created = (await accounts(db))["resident1@example.org"]
    assert created.password_hash is None and created.locale == "nl"
    # the same desk visit: the staff member checks the document and verifies the new account
    verified = await client.post(
        "/v1/communes/alpha/verifications/desk",
        json={"email": "resident1@example.org", "identifier": "EM 1"},
        headers=staff,
    )
    assert verified.status_code == 201, verified.text
    # the resident chooses a password with the mailed code, which confirms the address
    [mail] = [m for m in app.state.mailer.outbox if m.to == "resident1@example.org"]
    match = re.search(r"code: (\S+)", mail.body)
    assert match
    body = {"token": match.group(1), "new_password": "my own passphrase"}
    assert (await client.post("/v1/auth/password/reset", json=body)).status_code == 204
    login = await client.post(
        "/v1/auth/token", json={"email": "resident1@example.org", "password": "my own passphrase"}
    )
    assert login.status_code == 200
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert me.json()["email_confirmed"] is True
    taken = await client.post(DESK, json=person(1), headers=staff)
    assert taken.status_code == 409 and taken.json()["reason"] == "email_taken"


async def test_only_staff_open_accounts_at_the_desk(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    before = set(await accounts(db))
    for who, code in (("anonymous", 401), ("participant", 403), ("moderator", 403), ("beta_admin", 403)):
        r = await client.post(DESK, json=person(1), headers=world.headers(who))
        assert r.status_code == code, (who, r.text)
    assert (
        await client.post(DESK, json={"email": "x@example.org"}, headers=world.headers("staff"))
    ).status_code == 422
    assert set(await accounts(db)) == before
    assert (await client.post(DESK, json=person(1), headers=world.headers("admin"))).status_code == 201


async def test_the_desk_is_not_held_by_the_registration_limit(
    client: httpx.AsyncClient, world: World
) -> None:
    """Registration allows 5 a minute per address; a desk (one address) onboards more than that."""
    statuses = [
        (await client.post(DESK, json=person(i), headers=world.headers("staff"))).status_code
        for i in range(8)
    ]
    assert statuses == [201] * 8


async def test_the_desk_limit_counts_per_staff_account(
    settings: Settings, db: Database, world: World
) -> None:
    limited = settings.model_copy(update={"rate_limit_desk_register": "3/hour"})
    app = create_app(limited, registry=load_modules(None), database=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        staff = [
            (await client.post(DESK, json=person(i), headers=world.headers("staff"))).status_code
            for i in range(4)
        ]
        assert staff == [201, 201, 201, 429]
        # another staff member at the same desk (same address) still works
        admin = await client.post(DESK, json=person(9), headers=world.headers("admin"))
        assert admin.status_code == 201
