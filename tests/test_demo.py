"""The demo seeding used by the quick start: idempotent, and its documented people can log in."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from civicapi.config import Environment, Settings
from civicapi.demo import DEMO_PEOPLE, create_platform_admin, seed_demo


async def test_seed_is_idempotent_and_people_can_log_in(
    settings: Settings, client: httpx.AsyncClient, db: Any
) -> None:
    first = await seed_demo(settings)
    second = await seed_demo(settings)
    assert first == second
    assert (await client.get("/v1/communes/demo")).status_code == 200
    admin = next(p for p in DEMO_PEOPLE if p.email.startswith("admin@"))
    r = await client.post("/v1/auth/token", json={"email": admin.email, "password": admin.password})
    assert r.status_code == 200
    resident = next(p for p in DEMO_PEOPLE if p.email.startswith("resident@"))
    r = await client.post("/v1/auth/token", json={"email": resident.email, "password": resident.password})
    token = r.json()["access_token"]
    mine = await client.get(
        "/v1/communes/demo/me/verifications", headers={"Authorization": f"Bearer {token}"}
    )
    assert mine.status_code == 200
    assert [v["handler"] for v in mine.json()] == ["census"]


async def test_demo_is_refused_in_production(settings: Settings) -> None:
    prod = settings.model_copy(update={"env": Environment.production})
    with pytest.raises(RuntimeError, match="not seeded in production"):
        await seed_demo(prod)


async def test_create_admin_creates_then_promotes(
    settings: Settings, client: httpx.AsyncClient, db: Any
) -> None:
    assert (
        await create_platform_admin(settings, email="boss@test.org", name="Boss", password="long enough pw")
        is True
    )
    assert (
        await create_platform_admin(settings, email="boss@test.org", name="Boss", password="long enough pw")
        is False
    )
    r = await client.post("/v1/auth/token", json={"email": "boss@test.org", "password": "long enough pw"})
    assert r.status_code == 200
