"""Verification at the desk by staff; revocation by the owner or an admin; the handler catalogue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.identity.verification.handlers import available_handlers
from civicapi.registry import CivicModule, ModuleLoadError, VerificationHandlerInfo
from civicapi.registry.loader import build_registry
from tests.fixtures.factories import World
from tests.identity.verification_helpers import (
    ANNE,
    headers_of,
    make_people,
    upload_census,
    verifications,
    verify,
)

DESK = "/v1/communes/alpha/verifications/desk"


def desk_body(**fields: Any) -> dict[str, Any]:
    return {"email": "nobody@test.org", "identifier": "EM 1234567", **fields}


async def _audit(db: Database) -> list[AuditEntry]:
    async with db.unit_of_work() as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.created_at))).scalars())


async def test_staff_verify_at_the_desk(client: httpx.AsyncClient, world: World, db: Database) -> None:
    body = desk_body(district="Centre", postal_code="4000", birth_year=1970, valid_days=30)
    r = await client.post(DESK, json=body, headers=world.headers("staff"))
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["handler"] == "desk" and got["user_id"] == str(world.users["outsider"].id)
    assert got["verified_by_user_id"] == str(world.users["staff"].id)
    assert got["metadata"] == {"district": "Centre", "postal_code": "4000", "birth_year": 1970}
    expires = datetime.fromisoformat(got["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    entries = [e for e in await _audit(db) if e.action == "verification.granted"]
    assert len(entries) == 1
    assert entries[0].actor_id == world.users["staff"].id and entries[0].actor_type == "user"
    assert entries[0].changes["verified_by_user_id"] == str(world.users["staff"].id)
    # the same document cannot verify a second account; the same account cannot be verified twice
    other = await client.post(
        DESK, json=desk_body(email="participant@alpha.test.org"), headers=world.headers("admin")
    )
    assert other.status_code == 409 and other.json()["reason"] == "identity_already_used"
    twice = await client.post(DESK, json=desk_body(identifier="EM 7654321"), headers=world.headers("admin"))
    assert twice.status_code == 409 and twice.json()["reason"] == "already_verified"


async def test_desk_needs_staff(client: httpx.AsyncClient, world: World, db: Database) -> None:
    for who, code in (
        ("anonymous", 401),
        ("participant", 403),
        ("moderator", 403),
        ("beta_admin", 403),
        ("outsider", 403),
    ):
        r = await client.post(DESK, json=desk_body(), headers=world.headers(who))
        assert r.status_code == code, (who, r.text)
        if code == 403:
            assert r.json()["permission"] == "identity.verify.desk"
    assert await verifications(db) == []
    assert (await client.post(DESK, json=desk_body(), headers=world.headers("admin"))).status_code == 201


async def test_desk_input(client: httpx.AsyncClient, world: World, db: Database) -> None:
    h = world.headers("staff")
    unknown = await client.post(DESK, json=desk_body(email="ghost@test.org"), headers=h)
    assert unknown.status_code == 404 and unknown.json()["reason"] == "unknown_user"
    by_id = desk_body(user_id=str(world.users["outsider"].id))
    assert (await client.post(DESK, json=by_id, headers=h)).status_code == 422  # both email and id
    assert (await client.post(DESK, json={"identifier": "X"}, headers=h)).status_code == 422
    assert (await client.post(DESK, json=desk_body(valid_days=0), headers=h)).status_code == 422
    assert (await client.post(DESK, json=desk_body(identifier=""), headers=h)).status_code == 422
    mine = await client.post(DESK, json=desk_body(email="staff@alpha.test.org"), headers=h)
    assert mine.status_code == 403 and mine.json()["reason"] == "self_verification"
    assert await verifications(db) == []


async def test_revocation(client: httpx.AsyncClient, world: World, db: Database, app: Any) -> None:
    assert (await upload_census(client, world)).status_code == 200
    owner, second, third = await make_people(db, 3)
    r = await verify(client, headers_of(app, owner), ANNE)
    assert r.status_code == 201
    url = f"/v1/communes/alpha/verifications/{r.json()['id']}"
    assert (await client.get(url, headers=headers_of(app, owner))).status_code == 200
    assert (await client.get(url, headers=world.headers("admin"))).status_code == 200
    assert (await client.get(url, headers=world.headers("staff"))).status_code == 403
    assert (await client.delete(url)).status_code == 401
    assert (await client.delete(url, headers=world.headers("participant"))).status_code == 403
    assert (await client.delete(url, headers=world.headers("staff"))).status_code == 403
    # another commune's admin does not even see it
    beta_url = url.replace("/alpha/", "/beta/")
    assert (await client.delete(beta_url, headers=world.headers("beta_admin"))).status_code == 404
    assert (await client.get(beta_url, headers=world.headers("beta_admin"))).status_code == 404

    # the owner revokes: the identity stays bound to the owner's account
    assert (await client.delete(url, headers=headers_of(app, owner))).status_code == 204
    assert (await client.delete(url, headers=headers_of(app, owner))).status_code == 204  # idempotent
    got = (await client.get(url, headers=headers_of(app, owner))).json()
    assert got["status"] == "revoked" and got["revoked_at"] is not None
    blocked = await verify(client, headers_of(app, second), ANNE)
    assert blocked.status_code == 409 and blocked.json()["reason"] == "identity_already_used"
    again = await verify(client, headers_of(app, owner), ANNE)
    assert again.status_code == 201

    # an admin revokes: the identity is free for another account
    url = f"/v1/communes/alpha/verifications/{again.json()['id']}"
    assert (await client.delete(url, headers=world.headers("admin"))).status_code == 204
    assert (await verify(client, headers_of(app, third), ANNE)).status_code == 201
    actions = [(e.action, e.actor_id) for e in await _audit(db)]
    assert ("verification.revoked", owner.id) in actions
    assert ("verification.revoked", world.users["admin"].id) in actions
    assert sum(1 for v in await verifications(db) if v.status == "granted") == 1


async def test_handler_catalogue(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/v1/communes/alpha/verification-handlers")
    assert r.status_code == 200
    names = [h["name"] for h in r.json()["items"]]
    assert names[:2] == ["census", "desk"]
    assert r.json()["items"][0]["title"]["fr"] and r.json()["items"][0]["module"] is None
    assert (await client.get("/v1/communes/nowhere/verification-handlers")).status_code == 404


def test_modules_add_handlers_prefixed_with_their_key() -> None:
    itsme = VerificationHandlerInfo("eid.itsme", {"fr": "itsme", "en": "itsme"})
    registry = build_registry([CivicModule(key="eid", title={"fr": "eID"}, verification_handlers=[itsme])])
    listed = [(h.handler.name, h.module) for h in available_handlers(registry)]
    assert listed == [("census", None), ("desk", None), ("eid.itsme", "eid")]
    for bad in ("itsme", "census", "other.itsme"):
        handler = VerificationHandlerInfo(bad, {"fr": "x"})
        with pytest.raises(ModuleLoadError, match="verification handler"):
            build_registry([CivicModule(key="eid", title={"fr": "eID"}, verification_handlers=[handler])])
