"""The demo seeding used by the quick start: idempotent, and its documented people can log in."""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicapi import demo_budget
from civicapi.config import Environment, Settings
from civicapi.core.db.session import Database
from civicapi.demo import DEMO_PEOPLE, create_platform_admin, seed_demo
from civicapi.main import create_app
from civicapi.modules.agenda.models import Meeting
from civicapi.modules.budgets.cli import _download
from civicapi.modules.budgets.results.recount import recount_as_published
from civicapi.modules.surveys.models import Survey


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


async def test_every_module_has_believable_content_and_seeding_again_adds_nothing(
    settings: Settings, client: httpx.AsyncClient, db: Any
) -> None:
    """Last year's process: the residents' proposals (supported, answered, accepted ones with their cost)
    became the projects of last year's budget, and its funded projects are results under way in
    accountability, linked to their project and proposal."""
    await seed_demo(settings)
    seen = await _last_year_content(client)
    await seed_demo(settings)
    assert await _last_year_content(client) == seen


async def _last_year_content(client: httpx.AsyncClient) -> tuple[Any, ...]:
    proposals_url = await _component(client, "bp-2025", "proposals")
    proposals = await _all(client, f"{proposals_url}/proposals")
    assert len(proposals) == 12 and all(p["status"] == "published" for p in proposals)
    accepted = [p for p in proposals if p["answer"] and p["answer"]["state"]["token"] == "accepted"]
    rejected = [p for p in proposals if p["answer"] and p["answer"]["state"]["token"] == "rejected"]
    assert len(accepted) == 10 and len(rejected) == 2
    assert all(p["answer"]["cost"] > 0 and p["supports_count"] >= 1 and p["authors"] for p in accepted)
    budget_url = await _component(client, "bp-2025", "budgets")
    (budget,) = await _all(client, f"{budget_url}/budgets")
    projects = await _all(client, f"{budget_url}/budgets/{budget['id']}/projects")
    by_title = {p["title"]["fr"]: p["answer"]["cost"] for p in accepted}
    assert {p["title"]["fr"]: p["cost"] for p in projects} == by_title  # the proposals fed the budget
    results_url = await _component(client, "bp-2025", "accountability")
    results = await _all(client, f"{results_url}/results")
    funded = (await client.get(f"{budget_url}/budgets/{budget['id']}/results")).json()["projects"]
    assert len(results) == sum(1 for p in funded if p["selected"]) >= 3
    assert {r["status"]["key"] for r in results} >= {"done", "works", "planned"}
    assert any(0 < r["progress"] < 100 for r in results) and any(r["spent_amount"] for r in results)
    accepted_ids = {p["id"] for p in accepted}
    for result in results:
        linked = {(link["module"], link["type"]) for link in result["links"]}
        assert {("budgets", "project"), ("proposals", "proposal")} <= linked, result["links"]
        assert {link["id"] for link in result["links"] if link["type"] == "proposal"} <= accepted_ids
    under_way = [r for r in results if r["status"]["key"] != "planned"]
    for result in under_way:
        milestones = await _all(client, f"{results_url}/results/{result['id']}/milestones")
        assert milestones and milestones[0]["title"]["fr"]
    return (
        sorted((p["id"], p["supports_count"]) for p in proposals),
        sorted(p["id"] for p in projects),
        sorted((r["id"], r["progress"]) for r in results),
    )


async def _all(client: httpx.AsyncClient, url: str) -> list[Any]:
    """A list's items, whether the route answers a page or a bare array."""
    r = await client.get(url, params={"limit": 100})
    assert r.status_code == 200, r.text
    body = r.json()
    items: list[Any] = body["items"] if isinstance(body, dict) else body
    return items


async def _component(client: httpx.AsyncClient, slug: str, module_key: str) -> str:
    processes = await _all(client, "/v1/communes/demo/processes")
    (process,) = [p for p in processes if p["slug"] == slug]
    components = await _all(client, f"/v1/communes/demo/processes/{process['id']}/components")
    (component,) = [c for c in components if c["module_key"] == module_key]
    return f"/v1/communes/demo/{module_key}/components/{component['id']}"


async def _budgets_component(client: httpx.AsyncClient, slug: str) -> str:
    return await _component(client, slug, "budgets")


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


@pytest.mark.parametrize(("env", "in_log"), [(Environment.development, True), (Environment.test, False)])
async def test_a_registrations_confirmation_code_is_in_the_development_log(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture, env: Environment, in_log: bool
) -> None:
    """The README's newcomer registers on the demo: the demo has no mailbox, so in development (only) the
    server's log shows the mail's text, and the code read there confirms the account."""
    app = create_app(settings.model_copy(update={"env": env}), database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        with caplog.at_level(logging.INFO, logger="civicapi.core.mail"):
            r = await client.post(
                "/v1/auth/register",
                json={
                    "email": "newcomer@example.org",
                    "display_name": "New",
                    "password": "a long passphrase",
                },
            )
            assert r.status_code == 201, r.text
        found = re.search(r"code: (\S+)", caplog.text)
        assert (found is not None) is in_log, caplog.text
        if found:
            r = await client.post("/v1/auth/confirm-email", json={"token": found.group(1)})
            assert r.status_code == 204


def _dev_script() -> Any:
    path = Path(__file__).resolve().parents[1] / "scripts" / "dev.py"
    spec = importlib.util.spec_from_file_location("dev_script", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("args", "url"),
    [
        ([], "http://127.0.0.1:8000"),
        (["--port", "9000"], "http://127.0.0.1:9000"),
        (["--host=localhost", "--port=8123"], "http://localhost:8123"),
        (["--host", "0.0.0.0", "--port", "80"], "http://127.0.0.1:80"),  # noqa: S104
    ],
)
def test_the_serve_banner_names_the_real_address(args: list[str], url: str) -> None:
    assert f"civicapi on {url}  (API docs: {url}/docs)" in _dev_script().banner(args)


async def test_the_demo_agenda_has_a_closed_a_filling_a_full_and_an_online_meeting(
    settings: Settings, client: httpx.AsyncClient, db: Any
) -> None:
    """The agenda in the demo's process: last month's assembly closed with its minutes and the demo
    proposals it discussed, a workshop with 3 places left, a full site visit with a waiting list, an online
    session whose link signed-in people see; seeding again adds nothing."""
    await seed_demo(settings)
    await seed_demo(settings)
    base = await _component(client, "bp-demo", "agenda")
    async with db.unit_of_work() as session:  # the directory is another use case's route
        ids = (await session.execute(select(Meeting.id).order_by(Meeting.start_at))).scalars().all()
    assert len(ids) == 4
    resident = next(p for p in DEMO_PEOPLE if p.email.startswith("resident@"))
    r = await client.post("/v1/auth/token", json={"email": resident.email, "password": resident.password})
    rita = {"Authorization": f"Bearer {r.json()['access_token']}"}
    past, workshop, visit, online = [(await client.get(f"{base}/meetings/{i}")).json() for i in ids]

    assert past["closing"]["minutes"]["fr"] and past["closing"]["attendees_count"] == 38
    closing = (await client.get(f"{base}/meetings/{past['id']}/closing")).json()
    assert closing["proposals"] and all(p["title"]["fr"] for p in closing["proposals"])
    proposals = await _component(client, "bp-2025", "proposals")
    for proposal in closing["proposals"]:  # each lists the assembly where it was discussed
        assert (await client.get(f"{proposals}/proposals/{proposal['id']}")).status_code == 200
        meetings = (await client.get(f"{proposals}/proposals/{proposal['id']}/meetings")).json()["items"]
        assert [m["meeting_id"] for m in meetings] == [past["id"]]
    assert workshop["registration"]["places_left"] == 3 and workshop["registration"]["waitlist_enabled"]
    assert visit["registration"]["places_left"] == 0 and visit["registration"]["waiting_count"] == 1
    assert online["meeting_type"] == "online" and online["online_url"] is None
    seen = (await client.get(f"{base}/meetings/{online['id']}", headers=rita)).json()
    assert seen["online_url"].startswith("https://")


async def test_the_demo_survey_has_published_results_with_counts(
    settings: Settings, client: httpx.AsyncClient, db: Any
) -> None:
    """The quick start's survey: every question type, a few hundred answers, results published (counts per
    option, a ranking, number statistics, district breakdowns with small groups pooled); seeding again adds
    nothing."""
    await seed_demo(settings)
    base = await _component(client, "bp-demo", "surveys")
    async with db.unit_of_work() as session:
        (survey,) = (await session.execute(select(Survey))).scalars().all()
    results = (await client.get(f"{base}/surveys/{survey.id}/results")).json()
    assert results["published"] is True and results["responses"] == survey.answers_count >= 200
    types = {q["question_type"]: q for q in results["questions"]}
    assert len(types) == 10
    assert sum(o["count"] for o in types["single_choice"]["options"]) == results["responses"]
    assert all(s["mean_position"] for s in types["ranking"]["ranking"])
    assert types["number"]["number"]["count"] > 0 and types["matrix_single"]["rows"]
    (district,) = [b for b in results["breakdowns"] if b["dimension"] == "district"]
    assert district["pooled"] >= 1 and "other" in {g["group"] for g in district["groups"]}
    await seed_demo(settings)
    async with db.unit_of_work() as session:
        assert len((await session.execute(select(Survey))).scalars().all()) == 1
    again = (await client.get(f"{base}/surveys/{survey.id}/results")).json()
    assert again["responses"] == results["responses"]
