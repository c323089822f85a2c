"""Personal data rights: the export holds what the platform knows; erasure leaves no trace of the person
(searched in a full dump of the database) while contributions and counts stay."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from civicapi.core.db.session import Database
from civicapi.core.event_store import EventRecord
from civicapi.identity.verification.models import Verification
from tests.fixtures.factories import World
from tests.identity.verification_helpers import ANNE, dump_database, upload_census, verify


async def _setup_person(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    """The participant verifies with the census and edits their profile."""
    assert (await upload_census(client, world)).status_code == 200
    h = world.headers("participant")
    r = await verify(client, h, ANNE)
    assert r.status_code == 201, r.text
    assert (
        await client.patch("/v1/me", json={"display_name": "Zoë Quelqu'une"}, headers=h)
    ).status_code == 200
    return h


async def test_export_contains_account_memberships_verifications_and_activity(
    client: httpx.AsyncClient, world: World
) -> None:
    h = await _setup_person(client, world)
    r = await client.get("/v1/me/export", headers=h)
    assert r.status_code == 200
    data: dict[str, Any] = r.json()
    assert data["account"]["email"] == "participant@alpha.test.org"
    assert data["account"]["display_name"] == "Zoë Quelqu'une"
    assert data["memberships"] == [
        {"commune": "alpha", "role": "participant", "since": data["memberships"][0]["since"]}
    ]
    assert [v["handler"] for v in data["verifications"]] == ["census"]
    assert data["verifications"][0]["metadata"]["district"] == "Outremeuse"
    assert ANNE[0] not in r.text  # the identifier is never stored, so it cannot be exported either
    assert "modules" in data
    assert (await client.get("/v1/me/export")).status_code == 401


async def test_erasure_leaves_no_personal_data_and_keeps_counts(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    h = await _setup_person(client, world)
    # the admin's activity about this person (a role given) must survive without naming them
    r = await client.post(
        "/v1/communes/alpha/members",
        json={"email": "participant@alpha.test.org", "role": "staff"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201

    # a mail to the person that could not be sent waits in the event outbox, address and all
    async def mail_server_down(mail: Any) -> None:
        raise ConnectionError("the mail server is down")

    app.state.mailer.send = mail_server_down
    r = await client.post("/v1/auth/password/forgot", json={"email": "participant@alpha.test.org"})
    assert r.status_code < 300
    async with db.unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(EventRecord)) == 1
        verified_before = await session.scalar(select(func.count()).select_from(Verification))
    assert (await client.delete("/v1/me", headers=h)).status_code == 204

    dump = await dump_database(db)
    for secret in ("participant@alpha.test.org", "Zoë Quelqu'une", ANNE[0], ANNE[1], "1985-07-30"):
        assert secret not in dump, secret
    assert (await client.get("/v1/me", headers=h)).status_code == 401
    r = await client.post(
        "/v1/auth/token", json={"email": "participant@alpha.test.org", "password": "x" * 12}
    )
    assert r.status_code == 401
    async with db.unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(Verification)) == verified_before
        assert await session.scalar(select(func.count()).select_from(EventRecord)) == 0  # never sent


async def test_an_erased_resident_cannot_verify_a_new_account_with_the_same_identity(
    client: httpx.AsyncClient, world: World
) -> None:
    h = await _setup_person(client, world)
    assert (await client.delete("/v1/me", headers=h)).status_code == 204
    r = await verify(client, world.headers("outsider"), ANNE)
    assert r.status_code == 409
    assert r.json()["reason"] == "identity_already_used"


async def test_census_attempts_are_rate_limited(client: httpx.AsyncClient, world: World) -> None:
    assert (await upload_census(client, world)).status_code == 200
    h = world.headers("participant")
    statuses = [(await verify(client, h, (ANNE[0], "1985-01-01"))).status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    # the right birth date does not help once the limit is reached
    r = await verify(client, h, ANNE)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
