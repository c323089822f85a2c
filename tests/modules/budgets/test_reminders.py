"""Reminders to people whose ballot is not cast (``POST .../components/{id}/reminders``): who gets one,
when (2 hours, a week, two weeks after their oldest unfinished ballot started; never two within a day),
racing requests, voting closed, and the person's data rights."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from civicapi.core.audit import AuditEntry
from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from civicapi.identity.models import User
from civicapi.modules.budgets import handlers
from civicapi.modules.budgets.models import Voter, VoteReminder
from civicapi.modules.budgets.startup import send_due_reminders
from tests.fixtures.factories import World
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

SETTINGS = {"vote_requirements": CENSUS, "minimum_percent": 30, "workflow": "all"}


async def _setup(client: httpx.AsyncClient, world: World) -> tuple[Comp, list[dict[str, Any]], list[str]]:
    comp = await make_component(client, world, settings=SETTINGS)
    city = await make_budget(client, world, comp, title={"fr": "Budget de la ville"})
    parks = await make_budget(client, world, comp, title={"fr": "Budget des parcs"})
    projects = [
        (await make_projects(client, world, comp, budget["id"], [40_000, 30_000]))[0]["id"]
        for budget in (city, parks)
    ]
    return comp, [city, parks], projects


async def _start(
    client: httpx.AsyncClient, comp: Comp, budget_id: str, project_id: str, who: dict[str, str]
) -> None:
    """A ballot built step by step, not cast: a draft."""
    r = await client.post(f"{comp.ballot(budget_id)}/projects", json={"project_id": project_id}, headers=who)
    assert r.status_code == 200 and r.json()["status"] == "draft", r.text


async def _age(db: Database, *, started: timedelta, reminded: timedelta | None = None) -> None:
    """Move time: every unfinished ballot was started ``started`` ago, every reminder sent ``reminded``
    ago."""
    async with db.unit_of_work() as session:
        await session.execute(update(Voter).values(created_at=utcnow() - started))
        if reminded is not None:
            await session.execute(update(VoteReminder).values(last_sent_at=utcnow() - reminded))


async def _remind(client: httpx.AsyncClient, world: World, comp: Comp) -> dict[str, Any]:
    r = await client.post(f"{comp.url}/reminders", headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_reminders_follow_the_schedule_and_name_the_unfinished_budgets(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp, (city, parks), projects = await _setup(client, world)
    anne, anne_h = await resident(db, app, world, "A-1", email="anne@people.test")
    _, bob_h = await resident(db, app, world, "B-1", email="bob@people.test")
    carl, carl_h = await resident(db, app, world, "C-1", email="carl@people.test")
    _, dora_h = await resident(db, app, world, "D-1", email="dora@people.test")
    await _start(client, comp, city["id"], projects[0], anne_h)
    await _start(client, comp, parks["id"], projects[1], anne_h)
    r = await client.post(comp.ballot(city["id"]), json={"projects": [projects[0]]}, headers=bob_h)
    assert r.status_code == 201, r.text  # bob cast his ballot: nothing to remind
    await _start(client, comp, city["id"], projects[0], carl_h)
    await _start(client, comp, city["id"], projects[0], dora_h)
    async with db.unit_of_work() as session:  # carl's account was deactivated: no mail
        await session.execute(update(User).where(User.id == carl.id).values(is_active=False))
    mails = app.state.mailer.outbox
    mails.clear()

    # just started: the first reminder is due 2 hours later
    body = await _remind(client, world, comp)
    assert body["reminded"] == 0 and body["waiting"] == 2 and body["done"] == 0
    due = datetime.fromisoformat(body["next_due_at"])
    assert timedelta(hours=1, minutes=59) < due - utcnow() <= timedelta(hours=2)
    assert mails == []

    await _age(db, started=timedelta(hours=3))
    # dora casts her ballot before the reminders go: she is not reminded
    r = await client.post(f"{comp.ballot(city['id'])}/checkout", headers=dora_h)
    assert r.status_code == 200, r.text
    body = await _remind(client, world, comp)
    assert (body["reminded"], body["waiting"], body["done"]) == (1, 0, 0) and body["next_due_at"] is None
    assert [m.to for m in mails] == ["anne@people.test"]  # once, for both budgets
    assert "Budget de la ville" in mails[0].body and "Budget des parcs" in mails[0].body
    assert "not finished" in mails[0].subject and "Projet" not in mails[0].body  # never the choices

    # asked again at once: nothing more; the second is due a week after the ballot was started
    body = await _remind(client, world, comp)
    assert body["reminded"] == 0 and body["waiting"] == 1 and len(mails) == 1
    await _age(db, started=timedelta(days=6), reminded=timedelta(days=2))
    assert (await _remind(client, world, comp))["reminded"] == 0
    # a week old, but reminded 10 hours ago: not within a day of the last one
    await _age(db, started=timedelta(days=8), reminded=timedelta(hours=10))
    body = await _remind(client, world, comp)
    assert body["reminded"] == 0
    assert timedelta(hours=13) < datetime.fromisoformat(body["next_due_at"]) - utcnow() <= timedelta(hours=14)
    await _age(db, started=timedelta(days=8), reminded=timedelta(hours=25))
    assert (await _remind(client, world, comp))["reminded"] == 1
    await _age(db, started=timedelta(days=15), reminded=timedelta(days=2))
    assert (await _remind(client, world, comp))["reminded"] == 1
    # three in all
    await _age(db, started=timedelta(days=60), reminded=timedelta(days=30))
    body = await _remind(client, world, comp)
    assert (body["reminded"], body["waiting"], body["done"]) == (0, 0, 1)
    assert [m.to for m in mails] == ["anne@people.test"] * 3

    async with db.unit_of_work() as session:
        actions = (
            await session.execute(
                select(AuditEntry.changes).where(AuditEntry.action == "budgets.component.remind")
            )
        ).scalars()
        assert [c["reminded"] for c in actions] == [1, 1, 1]
        # the person's data: the reminders are in the export, and erased with the account
        exported = await handlers.export_personal_data(session, anne.id)
        assert [r["sent_count"] for r in exported["vote_reminders"]] == [3]
        await handlers.erase_personal_data(session, anne.id)
        assert (await session.execute(select(VoteReminder))).scalars().all() == []


async def test_racing_requests_remind_each_person_once(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp, (city, _), projects = await _setup(client, world)
    people = 5
    for i in range(people):
        _, who = await resident(db, app, world, f"R-{i}", email=f"r{i}@people.test")
        await _start(client, comp, city["id"], projects[0], who)
    await _age(db, started=timedelta(hours=3))
    mails = app.state.mailer.outbox
    mails.clear()
    for round_ in range(3):
        responses = await asyncio.gather(
            *(client.post(f"{comp.url}/reminders", headers=world.headers("admin")) for _ in range(20))
        )
        assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
        assert sum(r.json()["reminded"] for r in responses) == people
        assert Counter(m.to for m in mails) == {f"r{i}@people.test": round_ + 1 for i in range(people)}
        await _age(db, started=timedelta(days=7 * (round_ + 1) + 1), reminded=timedelta(days=2))


async def test_reminders_only_while_voting_is_open(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp, (city, _), projects = await _setup(client, world)
    _, anne_h = await resident(db, app, world, "A-1")
    await _start(client, comp, city["id"], projects[0], anne_h)
    await _age(db, started=timedelta(hours=3))
    await configure(client, world, comp, step={"votes": "finished"})
    before = await count_rows(db)
    r = await client.post(f"{comp.url}/reminders", headers=world.headers("admin"))
    assert assert_problem(r, 409)["reason"] == "voting_not_open"
    assert await count_rows(db) == before
    # a resident may not send them; another commune's component does not exist
    assert_problem(await client.post(f"{comp.url}/reminders", headers=anne_h), 403)
    other = f"/v1/communes/beta/budgets/components/{comp.id}/reminders"
    assert_problem(await client.post(other, headers=world.headers("beta_admin")), 404)
    missing = f"/v1/communes/alpha/budgets/components/{uuid.uuid4()}/reminders"
    assert_problem(await client.post(missing, headers=world.headers("admin")), 404)


async def test_the_service_sends_due_reminders_where_the_setting_says_so(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    """``vote_reminders``: the running service's sweep (``startup.send_due_reminders``) reminds in the
    components that ask for it, and only once; the others wait for ``POST .../reminders``."""
    automatic = await make_component(client, world, settings={**SETTINGS, "vote_reminders": True})
    manual = await make_component(client, world, settings=SETTINGS, slug="bp-manual")
    for comp, person in ((automatic, "A-1"), (manual, "B-1")):
        budget = await make_budget(client, world, comp)
        (project,) = await make_projects(client, world, comp, budget["id"], [40_000])
        _, who = await resident(db, app, world, person, email=f"{person.lower()}@people.test")
        await _start(client, comp, budget["id"], project["id"], who)
    mails = app.state.mailer.outbox
    mails.clear()
    assert await send_due_reminders(app.state) == 0  # just started: nothing due yet
    await _age(db, started=timedelta(hours=3))
    assert await send_due_reminders(app.state) == 1
    assert [m.to for m in mails] == ["a-1@people.test"]
    assert await send_due_reminders(app.state) == 0 and len(mails) == 1
    # voting closed in the phase: the sweep leaves the component alone
    await _age(db, started=timedelta(days=8), reminded=timedelta(days=2))
    await configure(client, world, automatic, step={"votes": "finished"})
    assert await send_due_reminders(app.state) == 0
    await configure(client, world, automatic, step={"votes": "enabled"})
    # nor an unpublished component
    admin = world.headers("admin")
    assert (await client.post(f"{automatic.component_url}/unpublish", headers=admin)).status_code == 200
    assert await send_due_reminders(app.state) == 0
    assert (await client.post(f"{automatic.component_url}/publish", headers=admin)).status_code == 200
    assert await send_due_reminders(app.state) == 1 and len(mails) == 2
