"""One identity verifies one account per commune, even when many accounts race for it."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from civicapi.core.db.session import Database
from civicapi.identity.verification.repository import VerificationRepository
from tests.fixtures.factories import World
from tests.identity.verification_helpers import (
    ANNE,
    BRUNO,
    CHLOE,
    headers_of,
    make_people,
    upload_census,
    verifications,
    verify,
)


async def test_fifty_accounts_racing_for_one_identity_get_one_verification(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    app.state.limiter.enabled = False  # this race is about the database, not the rate limit
    assert (await upload_census(client, world)).status_code == 200
    people = await make_people(db, 50)
    responses = await asyncio.gather(*(verify(client, headers_of(app, p), ANNE) for p in people))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 49}, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["reason"] for r in responses if r.status_code == 409} == {"identity_already_used"}
    rows = await verifications(db)
    granted = [v for v in rows if v.status == "granted"]
    assert len(granted) == 1 and len(rows) == 1
    winner = next(r for r in responses if r.status_code == 201).json()
    assert str(granted[0].id) == winner["id"]


async def test_one_account_racing_with_two_identities_gets_one_verification(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    app.state.limiter.enabled = False  # this race is about the database, not the rate limit
    assert (await upload_census(client, world)).status_code == 200
    (person,) = await make_people(db, 1)
    h = headers_of(app, person)
    responses = await asyncio.gather(*(verify(client, h, who) for who in (ANNE, BRUNO, CHLOE) * 4))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 11
    assert len([v for v in await verifications(db) if v.status == "granted"]) == 1


async def test_the_database_constraint_alone_keeps_one_identity_to_one_account(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.state.limiter.enabled = False  # this race is about the database, not the rate limit
    """With the friendly checks made blind, as if every request read before any other wrote, the
    partial unique indexes still give exactly one granted verification."""

    async def nobody(*_args: Any, **_kw: Any) -> Any:
        return []

    async def none(*_args: Any, **_kw: Any) -> None:
        return None

    monkeypatch.setattr(VerificationRepository, "holders_of", nobody)
    monkeypatch.setattr(VerificationRepository, "granted_for_user", none)
    assert (await upload_census(client, world)).status_code == 200
    people = await make_people(db, 20)
    responses = await asyncio.gather(*(verify(client, headers_of(app, p), ANNE) for p in people))
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 19}
    assert {r.json()["reason"] for r in responses if r.status_code == 409} == {"identity_already_used"}
    (person,) = await make_people(db, 1, prefix="greedy")
    h = headers_of(app, person)
    assert (await verify(client, h, BRUNO)).status_code == 201
    second = await verify(client, h, CHLOE)
    assert second.status_code == 409 and second.json()["reason"] == "already_verified"
    assert len([v for v in await verifications(db) if v.status == "granted"]) == 2
