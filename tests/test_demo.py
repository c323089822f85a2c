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


async def test_the_demo_vote_is_open_to_the_demo_residents(
    settings: Settings, client: httpx.AsyncClient, db: Any
) -> None:
    """The quick start's participatory budget: Rita (census district Centre) may vote in the city budget
    and in Centre's, and casts a ballot; seeding again adds nothing."""
    await seed_demo(settings)
    await seed_demo(settings)
    processes = (await client.get("/v1/communes/demo/processes")).json()["items"]
    assert [p["slug"] for p in processes] == ["bp-demo"]
    components = (await client.get(f"/v1/communes/demo/processes/{processes[0]['id']}/components")).json()
    (component,) = [c for c in components["items"] if c["module_key"] == "budgets"]
    base = f"/v1/communes/demo/budgets/components/{component['id']}"
    budgets = {b["district"]: b for b in (await client.get(f"{base}/budgets")).json()["items"]}
    assert set(budgets) == {None, "Centre", "Nord", "Sud"} and all(b["voting_open"] for b in budgets.values())
    resident = next(p for p in DEMO_PEOPLE if p.email.startswith("resident@"))
    r = await client.post("/v1/auth/token", json={"email": resident.email, "password": resident.password})
    rita = {"Authorization": f"Bearer {r.json()['access_token']}"}
    eligibility = (await client.get(f"{base}/eligibility", headers=rita)).json()
    may = {b["budget_id"] for b in eligibility["budgets"] if b["may_vote"]}
    assert may == {budgets[None]["id"], budgets["Centre"]["id"]}
    centre = budgets["Centre"]["id"]
    projects = (await client.get(f"{base}/budgets/{centre}/projects")).json()["items"]
    assert len(projects) == 3 and all(p["latitude"] and p["title"]["en"] for p in projects)
    chosen = [p["id"] for p in projects if p["cost"] >= 25_000]
    r = await client.post(f"{base}/budgets/{centre}/ballot", json={"projects": chosen}, headers=rita)
    assert r.status_code == 201, r.text


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
