"""Closing a large vote: voting stops at once and the urn is sealed after the response; a sealing that
failed leaves the vote closed and unsealed, and closing it again seals it; one under way is a conflict."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from civicapi.core.db.session import Database
from civicapi.main import create_app
from civicapi.modules.budgets import module as budgets_module
from civicapi.modules.budgets import startup
from civicapi.modules.budgets.models import Voter
from civicapi.modules.budgets.results import repository as repository_urn
from civicapi.modules.budgets.results import service_close
from civicapi.modules.budgets.startup import keep_sealing, resume_sealings
from civicapi.registry import load_modules
from tests.fixtures.factories import World
from tests.modules.budgets.helpers import assert_problem
from tests.modules.budgets.test_close_and_count import _voted


async def _linked(db: Database) -> int:
    """Register rows still pointing to a ballot (the link sealing destroys)."""
    async with db.engine.connect() as conn:
        rows = (await conn.execute(select(Voter.ballot_id).where(Voter.ballot_id.is_not(None)))).all()
    return len(rows)


async def _close_and_fail_sealing(
    client: httpx.AsyncClient, world: World, burl: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Close the vote with its urn sealed after the response, and make that sealing fail (as if its process
    stopped): the vote is left closed and not sealed."""

    async def broken(self: Any, order: Any) -> None:
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(repository_urn.UrnRepository, "reissue_sealed", broken)
        r = await client.post(f"{burl}/close", params={"background": True}, headers=world.headers("admin"))
        assert r.status_code == 202, r.text


async def test_a_vote_sealed_after_the_response_reads_sealing_then_sealed(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp, budget, *_ = await _voted(client, world, db, app)
    burl = comp.budget(budget["id"])
    r = await client.post(f"{burl}/close", params={"background": True}, headers=world.headers("admin"))
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["closed_at"] and accepted["voting_open"] is False
    assert accepted["sealing"] is True and accepted["ballots_sha256"] is None

    # the task ran after the response (the test transport waits for it)
    sealed = (await client.get(burl)).json()
    assert sealed["sealing"] is False and len(sealed["ballots_sha256"]) == 64
    assert sealed["closed_at"] == accepted["closed_at"]
    assert await _linked(db) == 0
    r = await client.get(f"{burl}/ballots.pb")
    assert r.status_code == 200 and r.headers["X-Content-SHA256"] == sealed["ballots_sha256"]
    r = await client.post(f"{burl}/close", headers=world.headers("admin"))
    assert assert_problem(r, 409)["reason"] == "vote_closed"
    r = await client.post(f"{burl}/count-runs", json={}, headers=world.headers("admin"))
    assert r.status_code == 201, r.text


async def test_a_failed_sealing_leaves_the_vote_closed_and_closing_again_seals_it(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    comp, budget, ids, people, _ = await _voted(client, world, db, app)
    burl = comp.budget(budget["id"])

    await _close_and_fail_sealing(client, world, burl, monkeypatch)

    # closed, not sealed: nothing of the sealing was written, voting and counting are refused
    state = (await client.get(burl)).json()
    assert state["closed_at"] and state["sealing"] is True and state["ballots_sha256"] is None
    assert await _linked(db) == 7  # five online ballots, one on paper, one draft
    r = await client.post(comp.ballot(budget["id"]), json={"projects": [ids[0]]}, headers=people[-1])
    assert assert_problem(r, 403)["reason"] == "vote_closed"
    r = await client.post(f"{burl}/count-runs", json={}, headers=world.headers("admin"))
    assert assert_problem(r, 409)["reason"] == "vote_sealing"
    assert_problem(await client.get(f"{burl}/ballots.pb"), 404)

    r = await client.post(f"{burl}/close", headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["sealing"] is False and len(r.json()["ballots_sha256"]) == 64
    assert r.json()["closed_at"] == state["closed_at"]
    assert await _linked(db) == 0


async def test_closing_while_the_urn_is_being_sealed_is_a_conflict(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sealing under way holds the budget's row: closing again answers at once instead of waiting."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: SQLite has one writer at a time")
    comp, budget, *_ = await _voted(client, world, db, app)
    burl = comp.budget(budget["id"])
    await _close_and_fail_sealing(client, world, burl, monkeypatch)
    async with db.engine.connect() as sealer:
        await sealer.execute(
            text("SELECT id FROM budgets_budget WHERE id = :id FOR UPDATE"), {"id": budget["id"]}
        )
        r = await client.post(f"{burl}/close", headers=world.headers("admin"))
        assert assert_problem(r, 409)["reason"] == "vote_sealing"
        await sealer.rollback()
    r = await client.post(f"{burl}/close", headers=world.headers("admin"))
    assert r.status_code == 200 and r.json()["ballots_sha256"], r.text


@pytest.mark.parametrize(("params", "sealed_now"), [({}, False), ({"background": False}, True)])
async def test_votes_over_the_threshold_are_sealed_after_the_response_unless_asked_otherwise(
    client: httpx.AsyncClient,
    world: World,
    db: Database,
    app: Any,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, bool],
    sealed_now: bool,
) -> None:
    monkeypatch.setattr(service_close, "BACKGROUND_THRESHOLD", 5)  # _voted casts 6
    comp, budget, *_ = await _voted(client, world, db, app)
    r = await client.post(f"{comp.budget(budget['id'])}/close", params=params, headers=world.headers("admin"))
    assert r.status_code == (200 if sealed_now else 202), r.text
    assert r.json()["sealing"] is not sealed_now


async def test_a_vote_left_unsealed_is_sealed_when_a_process_starts(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process sealing a vote stopped: the next one to start seals it (``on_start``), but leaves a vote
    whose row another process holds (sealing it) to that process, without waiting for it."""
    comp, budget, *_ = await _voted(client, world, db, app)
    burl = comp.budget(budget["id"])
    await _close_and_fail_sealing(client, world, burl, monkeypatch)
    assert (await client.get(burl)).json()["sealing"] is True

    if db.engine.dialect.name == "postgresql":
        async with db.engine.connect() as sealer:
            await sealer.execute(
                text("SELECT id FROM budgets_budget WHERE id = :id FOR UPDATE"), {"id": budget["id"]}
            )
            assert await asyncio.wait_for(resume_sealings(app.state), 10) == 1
            await sealer.rollback()
        assert (await client.get(burl)).json()["sealing"] is True and await _linked(db) == 7

    assert await resume_sealings(app.state) == 1
    state = (await client.get(burl)).json()
    assert state["sealing"] is False and len(state["ballots_sha256"]) == 64
    assert await _linked(db) == 0
    assert await resume_sealings(app.state) == 0


async def test_a_running_process_seals_a_vote_whose_sealing_failed_at_its_next_sweep(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sealing that failed while its process kept running (the database went away for a moment) is not
    left until the next start: the process looks again every ``SWEEP_SECONDS``."""
    comp, budget, *_ = await _voted(client, world, db, app)
    burl = comp.budget(budget["id"])
    monkeypatch.setattr(startup, "SWEEP_SECONDS", 0.05)
    sweeper = asyncio.create_task(keep_sealing(app.state))
    try:
        await asyncio.sleep(0.2)  # the first sweeps: nothing to seal yet
        await _close_and_fail_sealing(client, world, burl, monkeypatch)
        for _ in range(200):
            state = (await client.get(burl)).json()
            if not state["sealing"]:
                break
            await asyncio.sleep(0.05)
        assert state["sealing"] is False and len(state["ballots_sha256"]) == 64, state
        assert await _linked(db) == 0
        assert not sweeper.done(), "it goes on sweeping"
    finally:
        sweeper.cancel()


async def test_modules_start_work_runs_once_the_app_has_started(
    settings: Any, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []

    async def recorder(state: Any) -> None:
        seen.append(state)

    monkeypatch.setattr(budgets_module, "on_start", recorder)
    started = create_app(settings, registry=load_modules(None), database=db)
    async with started.router.lifespan_context(started):
        await asyncio.sleep(0)
        assert seen == [started.state]
