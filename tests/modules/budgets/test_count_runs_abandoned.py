"""Count runs abandoned by the process that was counting them (a restart, a crash) are recognised: shown
``failed`` with the reason, and recorded so when the next count starts; a live background count beats."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from civicapi.modules.budgets.models import CountRun
from civicapi.modules.budgets.results import service as service_count
from tests.fixtures.factories import World
from tests.modules.budgets.test_close_and_count import _voted


async def _closed(client: httpx.AsyncClient, world: World, db: Database, app: Any) -> tuple[str, str]:
    comp, budget, *_ = await _voted(client, world, db, app)
    burl = comp.budget(budget["id"])
    r = await client.post(f"{burl}/close", headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    return burl, budget["id"]


async def test_abandoned_runs_show_failed_and_are_recorded_by_the_next_count(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    burl, budget_id = await _closed(client, world, db, app)
    long_ago, now = utcnow() - timedelta(minutes=10), utcnow()
    common = {
        "commune_id": world.alpha.id,
        "budget_id": uuid.UUID(budget_id),
        "rule": "greedy",
        "ballots_sha256": "0" * 64,
    }
    runs = {
        "dead_running": CountRun(
            **common,
            status="running",
            created_at=long_ago,
            started_at=long_ago,
            heartbeat_at=long_ago + timedelta(seconds=30),
        ),
        "dead_queued": CountRun(**common, status="queued", created_at=long_ago),
        "alive": CountRun(
            **common, status="running", created_at=long_ago, started_at=long_ago, heartbeat_at=now
        ),
        "fresh_queued": CountRun(**common, status="queued", created_at=now),
    }
    async with db.unit_of_work() as session:
        session.add_all(runs.values())
    ids = {name: str(run.id) for name, run in runs.items()}

    listed = (await client.get(f"{burl}/count-runs", headers=world.headers("admin"))).json()["items"]
    shown = {r["id"]: r for r in listed}
    for name in ("dead_running", "dead_queued"):
        assert shown[ids[name]]["status"] == "failed"
        assert shown[ids[name]]["error"].startswith("abandoned")
    assert shown[ids["alive"]]["status"] == "running" and shown[ids["alive"]]["error"] is None
    assert shown[ids["fresh_queued"]]["status"] == "queued"
    one = await client.get(f"{burl}/count-runs/{ids['dead_running']}", headers=world.headers("admin"))
    assert one.json()["status"] == "failed" and one.json()["heartbeat_at"] is not None

    # reading changed nothing; the next count records the abandoned runs as failed
    async with db.unit_of_work() as session:
        stored = {str(r.id): r.status for r in (await session.execute(select(CountRun))).scalars()}
    assert stored[ids["dead_running"]] == "running" and stored[ids["dead_queued"]] == "queued"
    r = await client.post(f"{burl}/count-runs", json={"publish": False}, headers=world.headers("admin"))
    assert r.status_code == 201 and r.json()["status"] == "done", r.text
    async with db.unit_of_work() as session:
        stored_runs = {str(r.id): r for r in (await session.execute(select(CountRun))).scalars()}
    for name in ("dead_running", "dead_queued"):
        run = stored_runs[ids[name]]
        assert run.status == "failed" and run.finished_at is not None and run.error == service_count.ABANDONED
    assert stored_runs[ids["alive"]].status == "running"
    assert stored_runs[ids["fresh_queued"]].status == "queued"


async def test_a_background_count_beats_while_it_counts(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    burl, _ = await _closed(client, world, db, app)
    real_compute = service_count._compute

    async def slow_compute(run: CountRun, text: str) -> dict[str, Any]:
        await asyncio.sleep(0.5)
        return await real_compute(run, text)

    monkeypatch.setattr(service_count, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(service_count, "_compute", slow_compute)
    r = await client.post(
        f"{burl}/count-runs", json={"background": True, "publish": False}, headers=world.headers("admin")
    )
    assert r.status_code == 202, r.text
    run = (await client.get(r.headers["Location"], headers=world.headers("admin"))).json()
    assert run["status"] == "done"
    started, beat, finished = (
        datetime.fromisoformat(run[k]) for k in ("started_at", "heartbeat_at", "finished_at")
    )
    assert started < beat < finished
