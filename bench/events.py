"""Benchmark the event bus with its outbox: one unit of work publishing ``--events`` events, delivered after
its commit, against the least any delivery costs, in the same run.

    .venv/bin/python bench/events.py [--database-url sqlite+aiosqlite:///... | postgresql+asyncpg://...]
        [--events 500] [--rounds 3]

The events are the proposals module's ``proposals.answered`` (an accepted proposal), received by the budgets
module's subscriber, which keeps each as a candidate for import: the bulk publication of answers
(``POST .../answers/publish``) or a CSV import send one per proposal.

- **bus**: ``EventBus.publish`` ``--events`` times in one unit of work; after its commit the bus writes
  nothing more than the outbox needs (each subscriber's delivery record, in its own transaction; the
  delivered events deleted at once) and reads once per commune (modules enabled, older events waiting);
- **ceiling**: the same subscriber called directly, once per event, each in its own unit of work (what
  any delivery that keeps a subscriber's failure from undoing others must do), no outbox.

Rounds alternate ceiling and bus; medians are reported with their ratio (ceiling / bus: 1.0 means the
bus costs nothing on top). In-process (no HTTP); results go to ``bench/results/events-<time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from typing import Any

from seeding import save_result

from civicapi import migrate
from civicapi.communes import service as communes
from civicapi.communes.schemas import CommuneCreate
from civicapi.config import Environment, Settings
from civicapi.core.db.session import Database, create_engine
from civicapi.core.events import Event, EventBus
from civicapi.main import create_app
from civicapi.registry import load_modules

NAME = "proposals.answered"


def _payloads(count: int, process_id: str) -> list[dict[str, Any]]:
    return [
        {
            "version": 1,
            "proposal_id": str(uuid.uuid4()),
            "component_id": str(uuid.uuid4()),
            "process_id": process_id,
            "title": {"fr": f"Proposition {n}"},
            "state": "accepted",
            "accepted": True,
            "cost": 1000 + n,
        }
        for n in range(count)
    ]


async def _run(url: str, events: int, rounds: int) -> dict[str, Any]:
    db = Database(create_engine(url))
    settings = Settings(env=Environment.test, database_url=url, secret_key="b" * 48, modules=None)  # type: ignore[arg-type]
    app = create_app(settings, registry=load_modules(None), database=db)
    try:
        async with db.unit_of_work() as session:
            commune = await communes.create_commune(
                session,
                CommuneCreate(
                    slug=f"bench-{uuid.uuid4().hex[:6]}", name="Bench", locales=["fr"], default_locale="fr"
                ),
            )
        async with db.unit_of_work() as session:
            await communes.enable_module(session, app.state.registry, commune, "budgets", {})
        [subscription] = [s for s in db.bus.subscriptions(NAME) if s.module_key == "budgets"]
        process_id = str(uuid.uuid4())
        timings: dict[str, list[float]] = {"ceiling": [], "bus": []}
        for _ in range(rounds):
            start = time.perf_counter()
            for data in _payloads(events, process_id):
                async with db.unit_of_work() as session:
                    await subscription.handler(Event(NAME, commune.id, data, "proposals"), session)
            timings["ceiling"].append(time.perf_counter() - start)

            start = time.perf_counter()
            async with db.unit_of_work() as session:
                for data in _payloads(events, process_id):
                    EventBus.publish(session, Event(NAME, commune.id, data, "proposals"))
            timings["bus"].append(time.perf_counter() - start)
        ceiling, bus = statistics.median(timings["ceiling"]), statistics.median(timings["bus"])
        return {
            "events": events,
            "rounds": timings,
            "ceiling_ms_per_event": round(ceiling * 1000 / events, 2),
            "bus_ms_per_event": round(bus * 1000 / events, 2),
            "ratio_ceiling_to_bus": round(ceiling / bus, 3),
        }
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='civicapi-events-')}/bench.db"
    migrate.upgrade(url)
    result = asyncio.run(_run(url, args.events, args.rounds))
    print(
        f"{args.events} events: bus {result['bus_ms_per_event']} ms/event, ceiling (the subscriber alone, "
        f"one unit of work each) {result['ceiling_ms_per_event']} ms/event: ratio {result['ratio_ceiling_to_bus']}"
    )
    save_result("events", result, url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
