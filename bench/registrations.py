"""Benchmark a registration for a meeting against its database floor, measured in the same run.

    .venv/bin/python bench/registrations.py [--duration 5] [--connections 32] [--rounds 3] [--people 30000]
        [--database-url postgresql+asyncpg://user:pass@127.0.0.1/bench]     (default: a fresh SQLite)

1. migrate a fresh database, `civicapi seed-demo`, `bench/seed_agenda.py` (10,000 meetings, a third of
   them taking registrations with no limit of places), and ``--people`` accounts with access tokens;
2. capture, in this process (the app as ``civicapi serve`` builds it, on the same database and settings),
   the statements of two registrations, after a few that warm its caches: two people, two meetings;
   ``bench/replay.py`` explains every parameter of the second by the first (the person, the meeting, the
   key, ids and codes drawn, answers of earlier statements, times) or stops;
3. start ``civicapi serve`` and the floor (``bench/registration_floor.py``: a bare FastAPI route at the
   same path replaying those statements with each request's values), and load each in turn, interleaved
   for ``--rounds`` rounds: every request is a new person registering (with an ``Idempotency-Key``) for
   the next of the upcoming meetings with room.

The figure is civicapi ÷ floor (median requests/s, and per round). Only 127.0.0.1 is targeted; results go
to ``bench/results/registrations-<time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from ballots import BENCH_DIR, BIN, Voters, load, server_env
from registration_floor import PATH, PLAN_ENV, given
from replay import Op, Replayer, capture, saved_plan
from run import (
    Servers,
    interleaved,
    log_tail,
    machine_info,
    redact,
    run_setup,
    save_report,
    start_server,
)

TARGETS = ("floor", "real")
WARM = 3
"""Registrations sent before the two captured (caches warmed as under load)."""


async def seed_people(count: int) -> list[str]:
    """``count`` accounts with a confirmed address; their access tokens (valid for a day)."""
    from sqlalchemy import insert

    from civicapi.config import get_settings
    from civicapi.core.db.base import utcnow
    from civicapi.core.db.session import Database, create_engine
    from civicapi.identity.dependencies import build_token_service
    from civicapi.identity.models import User

    settings = get_settings()
    db = Database(create_engine(settings.database_url))
    ids = [uuid.uuid4() for _ in range(count)]
    try:
        for start in range(0, count, 5000):
            async with db.unit_of_work() as session:
                rows = [
                    {
                        "id": i,
                        "email": f"p-{i.hex}@bench.test",
                        "display_name": "Person",
                        "email_confirmed_at": utcnow(),
                    }
                    for i in ids[start : start + 5000]
                ]
                await session.execute(insert(User), rows)
    finally:
        await db.dispose()
    tokens = build_token_service(settings)
    return [tokens.issue(str(i))[0] for i in ids]


async def capture_two(component_id: str, meetings: list[str], voters: Voters) -> dict[str, Any]:
    """The plan of a registration (see the module's docstring), its capture's time and values, its answer."""
    from civicapi.config import get_settings
    from civicapi.core.db.session import Database, create_engine
    from civicapi.main import create_app

    settings = get_settings()
    db = Database(create_engine(settings.database_url))
    app = create_app(settings, database=db)
    captured: list[tuple[list[Op], dict[str, Any], dt.datetime, httpx.Response]] = []
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for n in range(WARM + 2):
                meeting = meetings[0] if n <= WARM else meetings[1]  # A: number WARM + 1; B: number 1
                token = voters.take()
                assert token is not None
                key = token[-24:]
                path = PATH.format(commune="demo", component_id=component_id, meeting_id=meeting)
                ops: list[Op] = []
                started = dt.datetime.now(dt.UTC)
                with capture(db.engine, ops):
                    response = await client.post(
                        path,
                        json={"public_participation": False},
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                    )
                if response.status_code != 201:
                    raise RuntimeError(f"a registration answered {response.status_code}: {response.text}")
                captured.append((ops, given(f"Bearer {token}", meeting, key), started, response))
    finally:
        await db.dispose()
    return saved_plan(captured)


async def check_floor(saved: dict[str, Any], meeting: str, voters: Voters) -> None:
    """Replay the plan once for a new person, as the floor will: their registration must be there."""
    from sqlalchemy import func, select

    from civicapi.config import get_settings
    from civicapi.core.db.session import Database, create_engine
    from civicapi.modules.agenda.models import Registration

    db = Database(create_engine(get_settings().database_url))
    try:
        token = voters.take()
        assert token is not None
        values = given(f"Bearer {token}", meeting, token[-24:])
        await Replayer(db.engine, saved["ops"], saved["captured_at"], saved["given"]).run(values)
        async with db.unit_of_work() as session:
            stmt = select(func.count()).where(
                Registration.user_id == values["user"], Registration.meeting_id == values["meeting"]
            )
            if await session.scalar(stmt) != 1:
                raise RuntimeError("the floor's replay did not register the person")
    finally:
        await db.dispose()


@dataclass
class Prepared:
    """What a benchmark against a floor prepared: the captured plan (``saved``), the body every request
    sends and the path of the n-th request."""

    saved: dict[str, Any]
    body: bytes
    path_of: Callable[[int], str]


def floor_parser(doc: str | None, people: int, people_help: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite database")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--people", type=int, default=people, help=people_help)
    return parser


def against_floor(
    argv: list[str],
    args: argparse.Namespace,
    *,
    what: str,
    name: str,
    floor_cmd: list[str],
    prepare: Callable[[Voters, dict[str, str], Path], Prepared],
) -> int:
    """Migrate a fresh database, ``civicapi seed-demo``, seed ``--people`` accounts, ``prepare`` (seed what
    the requests need, capture the plan), start ``civicapi serve`` and the floor (``floor_cmd``, given the
    plan's file), load each in turn for ``--rounds`` rounds (each request a new person, with an
    ``Idempotency-Key``), then report civicapi ÷ floor (``bench/results/<name>-<time>.json``)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"civicapi-bench-{name}-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir}/bench.db"
    env = server_env(database_url)
    servers = Servers()
    started = dt.datetime.now(dt.UTC)
    rounds: dict[str, list[dict[str, Any]]] = {target: [] for target in TARGETS}
    try:
        for step in (["migrate", "upgrade"], ["seed-demo"]):
            subprocess.run(
                [str(BIN / "civicapi"), *step], env=env, check=True, timeout=300, capture_output=True
            )
        voters = Voters(asyncio.run(seed_people(args.people)))
        prepared = prepare(voters, env, workdir)
        saved = prepared.saved
        plan_file = workdir / "plan.pkl"
        plan_file.write_bytes(pickle.dumps(saved))
        print(f"{what} sends {saved['statements']} statements; the floor replays them", flush=True)
        real = start_server(
            servers, "civicapi", [str(BIN / "civicapi"), "serve"], env, workdir, "/health/ready"
        )
        floor = start_server(
            servers, "floor", floor_cmd, {**env, PLAN_ENV: str(plan_file)}, workdir, "/ready"
        )
        servers_of = {"real": real, "floor": floor}

        def measure(target: str, seconds: int) -> dict[str, Any]:
            server = servers_of[target]
            return asyncio.run(
                load(
                    server.base_url + prepared.path_of(0),
                    prepared.body,
                    voters,
                    seconds=seconds,
                    connections=args.connections,
                    server_pid=server.proc.pid,
                    path_of=prepared.path_of,
                )
            )

        def show(i: int, target: str, result: dict[str, Any]) -> str:
            return (
                f"round {i + 1}/{args.rounds} {target:<6} {result['rps']:>8,.0f} req/s"
                f"  p50 {result['p50_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}"
                f" {result['error_statuses'] or ''}  server CPU {result['server_cpu_ms_per_request']} ms/request"
            )

        rounds = interleaved(TARGETS, measure, args, show)
        for target in TARGETS:
            if any(r["errors"] for r in rounds[target]):
                print(f"{target} answered errors; its log ends:\n{log_tail(servers_of[target].log_path)}")
    except KeyboardInterrupt:
        return 130
    finally:
        servers.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    medians = {t: statistics.median(r["rps"] for r in rounds[t]) for t in TARGETS}
    ratio = round(medians["real"] / medians["floor"], 3) if medians["floor"] else 0.0
    per_round = [round(r["rps"] / f["rps"], 3) for r, f in zip(rounds["real"], rounds["floor"], strict=True)]
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", f"bench/{name.replace('-', '_')}.py", *argv]),
        "machine": machine_info(),
        "database_url": redact(database_url),
        "options": {k: getattr(args, k) for k in ("duration", "connections", "rounds", "warmup", "people")},
        "statements": saved["statements"],
        "people_used": voters.next,
        "median_rps": medians,
        "ratio_real_to_floor": ratio,
        "ratio_real_to_floor_per_round": per_round,
        "rounds": rounds,
    }
    out = save_report(report, f"{name}-", started)
    print(f"\n{what} / its database floor: {ratio:.3f} (median req/s; per round {per_round})")
    print(f"results: {out.relative_to(BENCH_DIR.parent)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = floor_parser(__doc__, 30_000, "accounts seeded (one registration each)").parse_args(argv)

    def prepare(voters: Voters, env: dict[str, str], workdir: Path) -> Prepared:
        placeholders = run_setup(["agenda"], env, workdir)
        meetings = Path(placeholders["agenda_meetings_file"]).read_text(encoding="utf-8").split()
        component_id = placeholders["agenda_component_id"]
        saved = asyncio.run(capture_two(component_id, meetings, voters))
        asyncio.run(check_floor(saved, meetings[2], voters))
        rest = meetings[3:]  # not those the capture and the check used (their numbers are taken)

        def path_of(n: int) -> str:
            return PATH.format(commune="demo", component_id=component_id, meeting_id=rest[n % len(rest)])

        return Prepared(saved, json.dumps({"public_participation": False}).encode(), path_of)

    floor_cmd = [str(BIN / "python"), str(BENCH_DIR / "registration_floor.py")]
    return against_floor(
        argv, args, what="a registration", name="registrations", floor_cmd=floor_cmd, prepare=prepare
    )


if __name__ == "__main__":
    raise SystemExit(main())
