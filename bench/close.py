"""Benchmark closing a large vote (sealing the urn and publishing its export) on PostgreSQL.

    .venv/bin/python bench/close.py --database-url postgresql+asyncpg://user:pass@127.0.0.1/bench
        [--ballots 100000] [--projects 10] [--per-ballot 6]

1. migrate, seed a commune with a budgets component open for voting (``bench/ballots.py``'s seed), then
   ``--ballots`` cast ballots of ``--per-ballot`` projects each with their register rows, written by SQL
   (``generate_series``: seeding through the API would take longer than the benchmark);
2. the ceiling, in the same run: the database copying the same ballots and items once, with one
   ``CREATE TEMPORARY TABLE ... AS SELECT`` each (no constraint, no index: the least any sealing costs);
3. close the vote in-process with the service (``service_close.close_vote``, sealed within the call:
   ``background=False``), while a task that should
   wake every 10 ms records how late it wakes: the longest delay is how long the close kept the event loop
   from serving other requests.

Reports the close's wall and CPU time, the longest and p99 event-loop delay, and the ratio ceiling / close.
Results go to ``bench/results/close-<time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import time
import uuid
from inspect import signature
from pathlib import Path
from typing import Any

import asyncpg

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import ballots as seeding  # noqa: E402

SEED = """
WITH b AS (
    INSERT INTO budgets_ballot (id, commune_id, budget_id, status, channel, total_cost, points_total,
                                projects_count, extra)
    SELECT gen_random_uuid(), $1, $2, 'checked_out', 'online', $4 * 9000, $4, $4, '{}'
    FROM generate_series(1, $3) RETURNING id
), n AS (SELECT id, row_number() OVER () AS k FROM b), v AS (
    INSERT INTO budgets_voter (id, commune_id, component_id, budget_id, voter_key, slot, ballot_id, status,
                               channel, created_at, voted_at)
    SELECT gen_random_uuid(), $1, $5, $2, 'bench-' || k, 'any', id, 'voted', 'online', now(), now() FROM n
)
INSERT INTO budgets_ballot_item (ballot_id, project_id, points, commune_id)
SELECT n.id, p.id, 1, $1 FROM n
JOIN LATERAL (SELECT id FROM budgets_project WHERE budget_id = $2
              ORDER BY (number + n.k) % $6 LIMIT $4) p ON true
"""


async def seed(dsn: str, ballots: int, per_ballot: int) -> dict[str, Any]:
    info = await seeding.seed(1)
    parts = info["path"].split("/")
    component_id, budget_id = uuid.UUID(parts[6]), uuid.UUID(parts[8])
    conn = await asyncpg.connect(dsn)
    try:
        commune_id = await conn.fetchval("SELECT commune_id FROM budgets_budget WHERE id = $1", budget_id)
        await conn.execute(SEED, commune_id, budget_id, ballots, per_ballot, component_id, seeding.PROJECTS)
        await conn.execute("ANALYZE budgets_ballot; ANALYZE budgets_ballot_item; ANALYZE budgets_voter")
    finally:
        await conn.close()
    return {"slug": parts[3], "component_id": component_id, "budget_id": budget_id}


async def ceiling(dsn: str, budget_id: uuid.UUID) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        async with conn.transaction():
            await conn.execute(
                "CREATE TEMPORARY TABLE ceiling_ballot ON COMMIT DROP AS SELECT gen_random_uuid() AS new_id, b.*"
                " FROM budgets_ballot b WHERE b.budget_id = $1 ORDER BY random()",
                budget_id,
            )
            await conn.execute(
                "CREATE TEMPORARY TABLE ceiling_item ON COMMIT DROP AS SELECT i.* FROM budgets_ballot_item i"
                " JOIN budgets_ballot b ON b.id = i.ballot_id WHERE b.budget_id = $1",
                budget_id,
            )
        return time.perf_counter() - started
    finally:
        await conn.close()


async def close(seeded: dict[str, Any]) -> dict[str, float]:
    from civicapi.communes.repository import CommuneRepository
    from civicapi.config import get_settings
    from civicapi.core.db.session import Database, create_engine
    from civicapi.modules.budgets.dependencies import make_context
    from civicapi.modules.budgets.models import Budget
    from civicapi.modules.budgets.results import service_close
    from civicapi.registry import load_modules
    from civicapi.spaces import service_components
    from civicapi.spaces.service import current_phase
    from civicapi.spaces.settings import resolve_settings

    settings = get_settings()
    registry = load_modules(settings.modules)
    db = Database(create_engine(settings.database_url))
    delays: list[float] = []
    running = True

    async def ticker() -> None:
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            delays.append(now - last - 0.01)
            last = now

    try:
        tick = asyncio.create_task(ticker())
        started, cpu = time.perf_counter(), time.process_time()
        async with db.unit_of_work() as session:
            commune = await CommuneRepository(session).by_slug(seeded["slug"], with_modules=True)
            assert commune is not None
            component = await service_components.get_component(
                session,
                commune,
                registry,
                seeded["component_id"],
                include_hidden=True,
                module_key="budgets",
                with_process=True,
            )
            module = registry.get("budgets")
            assert module is not None
            resolved = resolve_settings(component, current_phase(component.process, commune.timezone), module)
            ctx = make_context(
                commune, component, component.process, resolved.settings, resolved.step_settings
            )
            budget = await session.get(Budget, seeded["budget_id"])
            assert budget is not None
            # Sealed in this call (a round before the ninth has no ``background``: it always sealed here).
            whole = (
                {"background": False}
                if "background" in signature(service_close.close_vote).parameters
                else {}
            )
            await service_close.close_vote(session, ctx, budget, **whole)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        running = False
        await tick
    finally:
        await db.dispose()
    delays.sort()
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "longest_loop_delay_ms": delays[-1] * 1000,
        "p99_loop_delay_ms": delays[int(len(delays) * 0.99)] * 1000,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--per-ballot", type=int, default=6)
    args = parser.parse_args()
    if not 1 <= args.per_ballot <= seeding.PROJECTS:
        parser.error(f"--per-ballot must be between 1 and {seeding.PROJECTS}")
    dsn = args.database_url.replace("postgresql+asyncpg://", "postgresql://")
    seeding.server_env(args.database_url)
    from civicapi import migrate

    await asyncio.to_thread(migrate.upgrade, args.database_url)
    began = time.perf_counter()
    seeded = await seed(dsn, args.ballots, args.per_ballot)
    print(f"seeded {args.ballots} ballots in {time.perf_counter() - began:.1f} s", flush=True)
    floor = await ceiling(dsn, seeded["budget_id"])
    result = await close(seeded)
    report = {
        "ballots": args.ballots,
        "items": args.ballots * args.per_ballot,
        "ceiling_s": floor,
        **result,
        "ratio": floor / result["wall_s"],
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(report, indent=2))
    out = BENCH_DIR / "results" / f"close-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
