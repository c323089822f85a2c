"""Participation in a budget's vote (``GET .../participation``): ballots cast by channel and by day in the
commune's time zone, ballots being built, for the commune's team only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import update

from civicapi.core.db.session import Database
from civicapi.modules.budgets.models import Voter
from tests.fixtures.factories import World
from tests.modules.budgets.helpers import (
    assert_problem,
    make_budget,
    make_component,
    make_projects,
    resident,
)


async def test_participation_counts_ballots_by_channel_and_day(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(client, world, settings={"vote_requirements": [], "minimum_percent": 30})
    budget = await make_budget(client, world, comp)
    projects = await make_projects(client, world, comp, budget["id"], [40_000, 30_000])
    url = f"{comp.budget(budget['id'])}/participation"
    admin = world.headers("admin")
    empty = (await client.get(url, headers=admin)).json()
    assert empty == {
        "budget_id": budget["id"],
        "cast": 0,
        "in_progress": 0,
        "by_channel": {"online": 0, "paper": 0},
        "by_day": [],
        "voting_open": True,
    }

    anne, anne_h = await resident(db, app, world, "A-1")
    _, bob_h = await resident(db, app, world, "B-1")
    _, carl_h = await resident(db, app, world, "C-1")
    ballot = comp.ballot(budget["id"])
    for who in (anne_h, carl_h):
        r = await client.post(ballot, json={"projects": [projects[0]["id"]]}, headers=who)
        assert r.status_code == 201, r.text
    r = await client.post(f"{ballot}/projects", json={"project_id": projects[1]["id"]}, headers=bob_h)
    assert r.status_code == 200, r.text
    r = await client.post(
        f"{comp.budget(budget['id'])}/paper-ballots",
        json={"identifier": "90.02.14-123.45", "projects": [projects[1]["id"]]},
        headers=world.headers("staff"),
    )
    assert r.status_code == 201, r.text
    r = await client.delete(ballot, headers=carl_h)  # a withdrawn ballot is not counted
    assert r.status_code == 204, r.text
    # anne voted at 23:30 UTC yesterday: already today in the commune's time zone (Brussels, UTC+1)
    zone = ZoneInfo(world.alpha.timezone)
    local_midnight = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    late = (local_midnight + timedelta(minutes=30)).astimezone(UTC)
    async with db.unit_of_work() as session:
        await session.execute(update(Voter).where(Voter.user_id == anne.id).values(voted_at=late))
    assert late.astimezone(zone).date() == local_midnight.date() and late.date() != local_midnight.date()

    body = (await client.get(url, headers=admin)).json()
    today = local_midnight.date().isoformat()
    assert (body["cast"], body["in_progress"], body["by_channel"]) == (2, 1, {"online": 1, "paper": 1})
    assert body["by_day"] == [{"date": today, "cast": 2}]

    # the team only; another commune's budget does not exist
    for who, status in (("participant", 403), ("staff", 403), ("anonymous", 401)):
        assert_problem(await client.get(url, headers=world.headers(who)), status)
    other = url.replace(f"/communes/{comp.commune}/", "/communes/beta/")
    assert_problem(await client.get(other, headers=world.headers("beta_admin")), 404)

    # closed: the drafts are gone, the cast ballots still counted
    r = await client.post(f"{comp.budget(budget['id'])}/close", headers=admin)
    assert r.status_code == 200, r.text
    body = (await client.get(url, headers=admin)).json()
    assert (body["cast"], body["in_progress"], body["voting_open"]) == (2, 0, False)
    assert body["by_day"] == [{"date": today, "cast": 2}]
