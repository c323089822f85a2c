"""The demo seeding used by the quick start: idempotent, and its documented people can log in."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from civicapi import demo_budget
from civicapi.cli import _download
from civicapi.config import Environment, Settings
from civicapi.demo import DEMO_PEOPLE, create_platform_admin, seed_demo
from civicapi.modules.budgets.recount import recount_as_published


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
    assert [v["handler"] for v in mine.json()["items"]] == ["census"]


async def test_the_demo_vote_is_open_to_the_demo_residents(
    settings: Settings, client: httpx.AsyncClient, db: Any
) -> None:
    """The quick start's participatory budget: Rita (census district Centre) may vote in the city budget
    and in Centre's, and casts a ballot; seeding again adds nothing."""
    await seed_demo(settings)
    await seed_demo(settings)
    base = await _budgets_component(client, "bp-demo")
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


async def test_last_years_demo_vote_is_published_and_recounts(
    settings: Settings, client: httpx.AsyncClient, db: Any, app: Any
) -> None:
    """The quick start's closed vote: counted with MES add1, results published, and a recount of what
    the API serves (``civicapi recount --url``) agrees with them."""
    await seed_demo(settings)
    base = await _budgets_component(client, "bp-2025")
    (budget,) = (await client.get(f"{base}/budgets")).json()["items"]
    assert budget["closed_at"] and budget["ballots_sha256"] and budget["results_published_at"]
    url = f"{base}/budgets/{budget['id']}"
    results = (await client.get(f"{url}/results")).json()
    funded = [p for p in results["projects"] if p["selected"]]
    assert results["rule"].startswith("mes") and 3 <= len(funded) < 10
    assert sum(p["cost"] for p in funded) <= 250_000
    data, served, published = await _download(f"http://testserver{url}", transport=httpx.ASGITransport(app))
    rule, _compared, recount = recount_as_published(data, published, sha256=served)
    assert recount.agrees and rule.value == "mes_add1"
    assert demo_budget.last_year_file() == demo_budget.last_year_file()  # the same file every time
    # an imported vote's participation: its ballots, and no days (no register)
    admin = next(p for p in DEMO_PEOPLE if p.email.startswith("admin@"))
    r = await client.post("/v1/auth/token", json={"email": admin.email, "password": admin.password})
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    seen = (await client.get(f"{url}/participation", headers=headers)).json()
    assert (seen["cast"], seen["in_progress"], seen["by_day"]) == (demo_budget.LAST_YEAR_VOTERS, 0, [])
    assert seen["by_channel"] == {"online": demo_budget.LAST_YEAR_VOTERS, "paper": 0}


async def _budgets_component(client: httpx.AsyncClient, slug: str) -> str:
    processes = (await client.get("/v1/communes/demo/processes", params={"limit": 100})).json()["items"]
    (process,) = [p for p in processes if p["slug"] == slug]
    components = (await client.get(f"/v1/communes/demo/processes/{process['id']}/components")).json()
    (component,) = [c for c in components["items"] if c["module_key"] == "budgets"]
    return f"/v1/communes/demo/budgets/components/{component['id']}"


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
