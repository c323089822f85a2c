"""Voting: a ballot built step by step or sent whole, every rule checked with a machine-readable reason and
nothing written when refused, replace and withdraw, idempotency, one vote per verified person."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from civicapi.core.audit import AuditEntry
from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database, create_engine
from civicapi.modules.budgets.models import Budget
from tests.fixtures.factories import World
from tests.identity.verification_helpers import upload_census
from tests.modules.budgets.helpers import (
    CENSUS,
    Comp,
    assert_problem,
    configure,
    count_rows,
    make_budget,
    make_component,
    make_projects,
    resident,
)

KNAPSACK = {"vote_requirements": CENSUS, "knapsack_rule": "minimum_percent", "minimum_percent": 50}


async def _setup(
    client: httpx.AsyncClient,
    world: World,
    settings: dict[str, Any] | None = None,
    costs: list[int] | None = None,
) -> tuple[Comp, dict[str, Any], list[dict[str, Any]]]:
    comp = await make_component(client, world, settings=settings or KNAPSACK)
    budget = await make_budget(client, world, comp, total=100_000)
    projects = await make_projects(
        client, world, comp, budget["id"], costs or [40_000, 30_000, 20_000, 50_000]
    )
    return comp, budget, projects


async def test_step_by_step_ballot(client: httpx.AsyncClient, world: World, db: Database, app: Any) -> None:
    comp, budget, projects = await _setup(client, world)
    _, anne = await resident(db, app, world, "A-1")
    url = comp.ballot(budget["id"])
    assert_problem(await client.get(url, headers=anne), 404)

    r = await client.post(f"{url}/projects", json={"project_id": projects[0]["id"]}, headers=anne)
    assert r.status_code == 200, r.text
    ballot = r.json()
    assert ballot["status"] == "draft" and ballot["total_cost"] == 40_000 and ballot["remaining"] == 60_000
    assert ballot["can_checkout"] is False and ballot["violations"][0]["reason"] == "below_minimum_amount"
    assert ballot["rules"]["minimum_amount"] == 50_000
    # adding the same project again changes nothing
    r = await client.post(f"{url}/projects", json={"project_id": projects[0]["id"]}, headers=anne)
    assert r.json()["total_cost"] == 40_000
    r = await client.post(f"{url}/projects", json={"project_id": projects[1]["id"]}, headers=anne)
    assert r.json()["remaining"] == 30_000 and r.json()["can_checkout"] is True
    # 50,000 does not fit: refused, nothing written
    before = await count_rows(db)
    r = await client.post(f"{url}/projects", json={"project_id": projects[3]["id"]}, headers=anne)
    problem = assert_problem(r, 422, type_="/problems/budgets-ballot-invalid")
    assert problem["reason"] == "over_budget" and problem["remaining"] == 30_000 and problem["cost"] == 50_000
    assert await count_rows(db) == before
    r = await client.delete(f"{url}/projects/{projects[1]['id']}", headers=anne)
    assert r.status_code == 200 and r.json()["total_cost"] == 40_000
    assert_problem(await client.post(f"{url}/checkout", headers=anne), 422)
    await client.post(f"{url}/projects", json={"project_id": projects[2]["id"]}, headers=anne)
    r = await client.post(f"{url}/checkout", headers=anne)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "checked_out" and r.json()["total_cost"] == 60_000 and r.json()["voted_at"]
    r = await client.get(url, headers=anne)
    assert r.json()["status"] == "checked_out"
    assert {p["project_id"] for p in r.json()["projects"]} == {projects[0]["id"], projects[2]["id"]}
    # a cast ballot is not edited step by step
    r = await client.post(f"{url}/projects", json={"project_id": projects[1]["id"]}, headers=anne)
    assert assert_problem(r, 409)["reason"] == "already_checked_out"
    assert (
        assert_problem(await client.post(f"{url}/checkout", headers=anne), 409)["reason"]
        == "already_checked_out"
    )


async def test_whole_ballot_replace_and_withdraw(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp, budget, projects = await _setup(client, world)
    _, anne = await resident(db, app, world, "A-1")
    url = comp.ballot(budget["id"])
    r = await client.post(url, json={"projects": [projects[0]["id"], projects[2]["id"]]}, headers=anne)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "checked_out" and r.json()["total_cost"] == 60_000
    r = await client.post(url, json={"projects": [projects[1]["id"], projects[2]["id"]]}, headers=anne)
    assert assert_problem(r, 409, type_="/problems/budgets-ballot-conflict")["reason"] == "already_voted"
    r = await client.put(url, json={"projects": [projects[1]["id"], projects[2]["id"]]}, headers=anne)
    assert r.status_code == 200 and r.json()["total_cost"] == 50_000
    rows = await count_rows(db)
    assert rows["budgets_ballot"] == 1 and rows["budgets_voter"] == 1 and rows["budgets_ballot_item"] == 2
    assert (await client.delete(url, headers=anne)).status_code == 204
    rows = await count_rows(db)
    assert rows["budgets_ballot"] == 0 and rows["budgets_voter"] == 0 and rows["budgets_ballot_item"] == 0
    r = await client.post(url, json={"projects": [projects[3]["id"]]}, headers=anne)
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("rules", "choose", "reason"),
    [
        (KNAPSACK, [0, 1, 3], "over_budget"),
        (KNAPSACK, [2], "below_minimum_amount"),
        (KNAPSACK, [], "empty_ballot"),
        (
            {**KNAPSACK, "knapsack_rule": "minimum_projects", "minimum_projects": 3},
            [0, 2],
            "too_few_projects",
        ),
        (
            {**KNAPSACK, "knapsack_rule": "projects_range", "min_projects": 1, "max_projects": 2},
            [0, 1, 2],
            "too_many_projects",
        ),
        (
            {"vote_requirements": CENSUS, "ballot_kind": "approval", "min_projects": 2, "max_projects": 3},
            [0],
            "too_few_projects",
        ),
        (
            {"vote_requirements": CENSUS, "ballot_kind": "approval", "min_projects": 1, "max_projects": 2},
            [0, 1, 2],
            "too_many_projects",
        ),
        (KNAPSACK, [0, 0], "duplicate_project"),
        (KNAPSACK, ["other"], "unknown_project"),
    ],
)
async def test_bad_ballots_are_refused_with_a_reason_and_nothing_written(
    client: httpx.AsyncClient,
    world: World,
    db: Database,
    app: Any,
    rules: dict[str, Any],
    choose: list[Any],
    reason: str,
) -> None:
    comp, budget, projects = await _setup(client, world, rules)
    other_budget = await make_budget(client, world, comp, total=5)
    other = (await make_projects(client, world, comp, other_budget["id"], [1]))[0]
    _, anne = await resident(db, app, world, "A-1")
    ids = [other["id"] if i == "other" else projects[i]["id"] for i in choose]
    before = await count_rows(db)
    r = await client.post(comp.ballot(budget["id"]), json={"projects": ids}, headers=anne)
    problem = assert_problem(r, 422, type_="/problems/budgets-ballot-invalid")
    assert problem["reason"] == reason and reason in {v["reason"] for v in problem["violations"]}
    assert await count_rows(db) == before


async def test_cumulative_ballots(client: httpx.AsyncClient, world: World, db: Database, app: Any) -> None:
    settings = {
        "vote_requirements": CENSUS,
        "ballot_kind": "cumulative",
        "points_total": 7,
        "max_points_per_project": 3,
        "require_all_points": True,
    }
    comp, budget, projects = await _setup(client, world, settings)
    _, anne = await resident(db, app, world, "A-1")
    url = comp.ballot(budget["id"])
    p = [x["id"] for x in projects]
    for points, reason in (
        ({p[0]: 4, p[1]: 3}, "too_many_points_for_project"),
        ({p[0]: 3, p[1]: 3, p[2]: 3}, "too_many_points"),
        ({p[0]: 3, p[1]: 3}, "points_not_all_spent"),
        ({p[0]: 0, p[1]: 3}, "invalid_points"),
    ):
        r = await client.post(url, json={"points": points}, headers=anne)
        assert assert_problem(r, 422)["reason"] == reason, points
    r = await client.post(url, json={"projects": [p[0]]}, headers=anne)
    assert assert_problem(r, 422)["reason"] == "wrong_ballot_form"
    r = await client.post(url, json={"points": {p[0]: 3, p[1]: 3, p[3]: 1}}, headers=anne)
    assert r.status_code == 201, r.text
    assert r.json()["points_total"] == 7 and r.json()["points_remaining"] == 0
    # step by step: points are capped too
    _, bruno = await resident(db, app, world, "B-2")
    r = await client.post(f"{url}/projects", json={"project_id": p[0], "points": 3}, headers=bruno)
    assert r.status_code == 200 and r.json()["points_remaining"] == 4
    r = await client.post(f"{url}/projects", json={"project_id": p[1], "points": 4}, headers=bruno)
    assert assert_problem(r, 422)["reason"] == "too_many_points_for_project"


async def test_voting_outside_the_phase_or_without_eligibility(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp, budget, projects = await _setup(client, world)
    _, anne = await resident(db, app, world, "A-1")
    url = comp.ballot(budget["id"])
    body = {"projects": [projects[0]["id"], projects[2]["id"]]}
    before = await count_rows(db)
    # not verified: requirements not met
    r = await client.post(url, json=body, headers=world.headers("participant"))
    problem = assert_problem(r, 403, type_="/problems/budgets-vote-forbidden")
    assert problem["reason"] == "requirements_not_met" and problem["requirement"]["status"] == "missing"
    assert_problem(await client.post(url, json=body), 401)
    # verified in another commune only
    _, elsewhere = await resident(db, app, world, "Z-9", commune="beta")
    assert (
        assert_problem(await client.post(url, json=body, headers=elsewhere), 403)["reason"]
        == "requirements_not_met"
    )
    # too young for the component's condition
    await configure(
        client,
        world,
        comp,
        settings={**KNAPSACK, "vote_requirements": [{"handler": "census", "conditions": {"min_age": 16}}]},
    )
    _, child = await resident(db, app, world, "C-3", birth_year=2020)
    problem = assert_problem(await client.post(url, json=body, headers=child), 403)
    assert problem["requirement"]["status"] == "unauthorized"
    for step, reason in (
        ({"votes": "disabled"}, "voting_disabled"),
        ({"votes": "finished"}, "voting_finished"),
    ):
        await configure(client, world, comp, step=step)
        assert assert_problem(await client.post(url, json=body, headers=anne), 403)["reason"] == reason
        r = await client.post(f"{url}/projects", json={"project_id": projects[0]["id"]}, headers=anne)
        assert assert_problem(r, 403)["reason"] == reason
    assert await count_rows(db) == before


async def test_idempotency_key(client: httpx.AsyncClient, world: World, db: Database, app: Any) -> None:
    comp, budget, projects = await _setup(client, world)
    _, anne = await resident(db, app, world, "A-1")
    url = comp.ballot(budget["id"])
    body = {"projects": [projects[0]["id"], projects[2]["id"]]}
    headers = {**anne, "Idempotency-Key": "ballot-1"}
    first = await client.post(url, json=body, headers=headers)
    assert first.status_code == 201
    again = await client.post(url, json=body, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await client.post(url, json={"projects": [projects[1]["id"], projects[2]["id"]]}, headers=headers)
    assert_problem(other, 422, type_="/problems/idempotency-key-reused")
    # without the key, a second submission is a conflict, not a second ballot
    assert assert_problem(await client.post(url, json=body, headers=anne), 409)["reason"] == "already_voted"
    assert (await count_rows(db))["budgets_ballot"] == 1


async def test_a_key_reused_after_withdrawing_replays_and_writes_nothing(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    """The register accepts the person again after a withdrawal, but the key still holds the first answer:
    the retry gets it, and the ballot it would have written is undone in the same transaction (on
    PostgreSQL the one-statement insert skips the key's row and deletes what it inserted)."""
    comp, budget, projects = await _setup(client, world)
    _, anne = await resident(db, app, world, "A-1")
    url = comp.ballot(budget["id"])
    body = {"projects": [projects[0]["id"], projects[2]["id"]]}
    headers = {**anne, "Idempotency-Key": "ballot-1"}
    first = await client.post(url, json=body, headers=headers)
    assert first.status_code == 201
    assert (await client.delete(url, headers=anne)).status_code == 204
    before = await count_rows(db)
    again = await client.post(url, json=body, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await count_rows(db) == before
    assert_problem(await client.get(url, headers=anne), 404)
    fresh = await client.post(url, json=body, headers={**anne, "Idempotency-Key": "ballot-2"})
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    assert (await count_rows(db))["budgets_ballot"] == 1
    async with db.unit_of_work() as session:
        stmt = select(AuditEntry.action).where(AuditEntry.action.like("budgets.voter.%"))
        actions = sorted((await session.execute(stmt)).scalars())
    assert actions == ["budgets.voter.vote", "budgets.voter.vote", "budgets.voter.withdraw"]


async def test_one_person_one_vote_across_accounts_and_channels(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp, budget, projects = await _setup(client, world)
    url = comp.ballot(budget["id"])
    body = {"projects": [projects[0]["id"], projects[2]["id"]]}
    # one resident, two accounts: census-verified and desk-verified with the same identifier
    _, account_a = await resident(db, app, world, "85.07.30-033.61")
    _, account_b = await resident(db, app, world, "85073003361", handler="desk")
    await configure(client, world, comp, settings={**KNAPSACK, "vote_requirements": []})
    assert (await client.post(url, json=body, headers=account_a)).status_code == 201
    r = await client.post(url, json=body, headers=account_b)
    assert assert_problem(r, 409)["reason"] == "already_voted"
    r = await client.post(f"{url}/projects", json={"project_id": projects[0]["id"]}, headers=account_b)
    assert assert_problem(r, 409)["reason"] == "already_voted"
    # ... nor on paper
    paper = {"identifier": "85 07 30 033 61", "projects": body["projects"]}
    r = await client.post(
        f"{comp.budget(budget['id'])}/paper-ballots", json=paper, headers=world.headers("staff")
    )
    assert assert_problem(r, 409)["reason"] == "already_voted"
    # a ballot started online and never cast gives way to the paper ballot; then online is closed to them
    _, bruno = await resident(db, app, world, "90.02.14-123.45")
    r = await client.post(f"{url}/projects", json={"project_id": projects[0]["id"]}, headers=bruno)
    assert r.status_code == 200
    paper = {"identifier": "90.02.14-123.45", "projects": body["projects"]}
    r = await client.post(
        f"{comp.budget(budget['id'])}/paper-ballots", json=paper, headers=world.headers("staff")
    )
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"budget_id", "voter_id", "channel", "voted_at", "projects_count", "total_cost"}
    assert_problem(await client.get(url, headers=bruno), 404)
    assert assert_problem(await client.post(url, json=body, headers=bruno), 409)["reason"] == "already_voted"
    assert (await count_rows(db))["budgets_ballot"] == 2


async def test_paper_ballots_need_the_permission(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp, budget, projects = await _setup(client, world)
    url = f"{comp.budget(budget['id'])}/paper-ballots"
    paper = {"identifier": "90.02.14-123.45", "projects": [projects[0]["id"], projects[2]["id"]]}
    for who, status in (("participant", 403), ("moderator", 403), ("anonymous", 401)):
        assert_problem(await client.post(url, json=paper, headers=world.headers(who)), status)
    # the component requires census residents: the census decides, and gives the district
    r = await client.post(url, json=paper, headers=world.headers("staff"))
    assert assert_problem(r, 403)["reason"] == "requirements_not_met"
    assert (await upload_census(client, world)).status_code in (200, 201)
    r = await client.post(url, json=paper, headers={**world.headers("admin"), "Idempotency-Key": "desk-7"})
    assert r.status_code == 201
    again = await client.post(
        url, json=paper, headers={**world.headers("admin"), "Idempotency-Key": "desk-7"}
    )
    assert again.status_code == 201 and again.json() == r.json()


async def test_workflows(client: httpx.AsyncClient, world: World, db: Database, app: Any) -> None:
    comp = await make_component(client, world, settings={"vote_requirements": CENSUS, "minimum_percent": 0})
    city = await make_budget(client, world, comp, total=1000)
    north = await make_budget(client, world, comp, total=1000, district="Nord")
    south = await make_budget(client, world, comp, total=1000, district="Sud")
    pc, pn, ps = [
        (await make_projects(client, world, comp, b["id"], [100]))[0]["id"] for b in (city, north, south)
    ]
    _, anne = await resident(db, app, world, "A-1", district="nord")

    # one: a single budget of the component
    assert (
        await client.post(comp.ballot(city["id"]), json={"projects": [pc]}, headers=anne)
    ).status_code == 201
    r = await client.post(comp.ballot(north["id"]), json={"projects": [pn]}, headers=anne)
    problem = assert_problem(r, 409)
    assert problem["reason"] == "workflow_limit_reached" and problem["budget_ids"] == [city["id"]]
    # district restriction holds in any workflow
    r = await client.post(comp.ballot(south["id"]), json={"projects": [ps]}, headers=anne)
    assert assert_problem(r, 403)["reason"] == "district_not_allowed"
    assert (await client.delete(comp.ballot(city["id"]), headers=anne)).status_code == 204
    assert (
        await client.post(comp.ballot(north["id"]), json={"projects": [pn]}, headers=anne)
    ).status_code == 201

    # all: once in each budget one may vote in
    await configure(
        client, world, comp, settings={"vote_requirements": CENSUS, "minimum_percent": 0, "workflow": "all"}
    )
    assert (
        await client.post(comp.ballot(city["id"]), json={"projects": [pc]}, headers=anne)
    ).status_code == 201

    # district: own district, plus N city-wide budgets
    _, bruno = await resident(db, app, world, "B-2", district="Sud")
    await configure(
        client,
        world,
        comp,
        settings={"vote_requirements": CENSUS, "minimum_percent": 0, "workflow": "district"},
    )
    r = await client.post(comp.ballot(city["id"]), json={"projects": [pc]}, headers=bruno)
    assert assert_problem(r, 403)["reason"] == "citywide_not_allowed"
    assert (
        await client.post(comp.ballot(south["id"]), json={"projects": [ps]}, headers=bruno)
    ).status_code == 201
    await configure(
        client,
        world,
        comp,
        settings={
            "vote_requirements": CENSUS,
            "minimum_percent": 0,
            "workflow": "district",
            "citywide_budgets": 1,
        },
    )
    assert (
        await client.post(comp.ballot(city["id"]), json={"projects": [pc]}, headers=bruno)
    ).status_code == 201
    second_city = await make_budget(client, world, comp, total=1000)
    p2 = (await make_projects(client, world, comp, second_city["id"], [100]))[0]["id"]
    r = await client.post(comp.ballot(second_city["id"]), json={"projects": [p2]}, headers=bruno)
    assert assert_problem(r, 409)["reason"] == "workflow_limit_reached"

    r = await client.get(f"{comp.url}/eligibility", headers=bruno)
    assert r.status_code == 200
    got = {b["budget_id"]: b for b in r.json()["budgets"]}
    assert (
        got[south["id"]]["ballot_status"] == "checked_out" and got[south["id"]]["reason"] == "already_voted"
    )
    assert got[north["id"]]["reason"] == "district_not_allowed"
    assert got[second_city["id"]]["reason"] == "workflow_limit_reached"
    assert r.json()["district"] == "Sud"
    r = await client.get(f"{comp.url}/eligibility")
    assert r.json()["requirements_status"] == "not_logged_in"


async def test_show_votes_step_setting(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp, budget, projects = await _setup(client, world)
    _, anne = await resident(db, app, world, "A-1")
    await client.post(
        comp.ballot(budget["id"]), json={"projects": [projects[0]["id"], projects[2]["id"]]}, headers=anne
    )
    r = await client.get(comp.projects(budget["id"]))
    assert {p["votes"] for p in r.json()["items"]} == {None}
    await configure(client, world, comp, step={"votes": "enabled", "show_votes": True})
    r = await client.get(comp.projects(budget["id"]))
    assert [p["votes"] for p in r.json()["items"]] == [1, 0, 1, 0]


async def test_api_keys_do_not_vote(client: httpx.AsyncClient, world: World) -> None:
    comp, budget, projects = await _setup(client, world)
    r = await client.post(
        "/v1/communes/alpha/api-keys",
        json={"name": "Portal", "scopes": ["write:budgets"]},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    r = await client.post(
        comp.ballot(budget["id"]), json={"projects": [projects[0]["id"]]}, headers={"X-API-Key": key}
    )
    assert assert_problem(r, 403)["reason"] == "people_only"


async def test_a_vote_closed_elsewhere_is_refused_while_this_process_keeps_an_open_copy(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, database_url: str
) -> None:
    """A person's ballot routes take the budget from the per-process row memo; whether the vote is open is
    decided under the budget's lock when the ballot is cast, so a close made by another worker a moment
    ago refuses the ballot even though this process still keeps the budget as open."""
    comp, budget, projects = await _setup(client, world)
    _, anne = await resident(db, app, world, "A-1")
    url = comp.ballot(budget["id"])
    assert assert_problem(await client.get(url, headers=anne), 404)["reason"] == "no_ballot"  # kept now
    other = Database(create_engine(database_url))  # another worker: its commit moves nothing here
    try:
        async with other.unit_of_work() as session:
            stmt = update(Budget).where(Budget.id == uuid.UUID(budget["id"])).values(closed_at=utcnow())
            await session.execute(stmt)
    finally:
        await other.dispose()
    before = await count_rows(db)
    body = {"projects": [projects[0]["id"], projects[2]["id"]]}
    r = await client.post(url, json=body, headers={**anne, "Idempotency-Key": "late"})
    assert assert_problem(r, 403)["reason"] == "vote_closed"
    assert await count_rows(db) == before
    kept = (await client.get(comp.budget(budget["id"]), headers=anne)).json()
    assert kept["closed_at"] is None, "the copy this process keeps was still open (for up to 2 s)"
