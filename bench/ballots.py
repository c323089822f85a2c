"""Benchmark ballot submission (10 projects) against a FastAPI endpoint doing one raw asyncpg insert.

    .venv/bin/python bench/ballots.py --database-url postgresql+asyncpg://user:pass@127.0.0.1/bench
        [--duration 10] [--connections 32] [--rounds 3] [--voters 60000]

Why a script of its own: every ballot must come from a different voter (one person, one vote), so each
request carries another bearer token and a JSON body, which ``bench/run.py``'s captured-bytes scenarios do
not do. This script reuses its server handling (same uvicorn options, every server stopped on exit).

1. migrate the database, seed a commune with a budgets component open for voting (knapsack ballot, no
   verification required: each account is one voter), one budget of 10 projects, and ``--voters``
   accounts with access tokens;
2. start ``civicapi serve`` and the ceiling (``bench/ballots.py ceiling``): a FastAPI app with one route
   that parses the same body and does one raw asyncpg ``INSERT`` (same uvicorn options);
   and the ballot's database floor (``bench/ballot_floor.py``: a route as bare as the ceiling's that sends
   PostgreSQL the ballot lane's own two statements and nothing else);
3. load each in turn, interleaved for ``--rounds`` rounds, with the same connections and duration: each
   civicapi request is a new voter casting a whole 10-project ballot (``POST .../ballot`` with an
   ``Idempotency-Key``). The load generator is ``bench/rawhttp.py`` (pre-built request bytes on asyncio
   streams, far lighter than httpx, which capped the ceiling in earlier runs and flattered the ratio).

Three ratios: civicapi / ceiling (the issue's bar), floor / ceiling (the most any server writing a ballot's
rows with its guarantees could reach here), civicapi / floor (how much of that the service reaches).
Only 127.0.0.1 is targeted; results go to ``bench/results/ballots-<time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from rawhttp import Pool, build_request, cpu_seconds, exchange

BENCH_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
DSN_ENV = "CIVICAPI_BENCH_CEILING_DSN"
FLOOR_ENV = "CIVICAPI_BENCH_FLOOR"
TARGETS = ("ceiling", "floor", "real")
PROJECTS = 10


# --- the ceiling server ------------------------------------------------------------------------------------


def ceiling_app() -> FastAPI:
    dsn = os.environ[DSN_ENV]
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(dsn, min_size=1, max_size=10)
        async with state["pool"].acquire() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS bench_ceiling_ballot (id uuid PRIMARY KEY, voter text, body jsonb)"
            )
        yield
        await state["pool"].close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/ballot", status_code=201)
    async def ballot(request: Request) -> JSONResponse:
        body = await request.json()
        ballot_id = uuid.uuid4()
        async with state["pool"].acquire() as conn:
            await conn.execute(
                "INSERT INTO bench_ceiling_ballot (id, voter, body) VALUES ($1, $2, $3)",
                ballot_id,
                request.headers.get("authorization", "")[-16:],
                json.dumps(body["projects"]),
            )
        return JSONResponse({"id": str(ballot_id)}, status_code=201)

    return app


def serve_ceiling(port: int) -> None:
    serve(ceiling_app(), port)


def serve(app: FastAPI, port: int) -> None:
    """Serve ``app`` under the uvicorn options of ``civicapi serve`` (one worker, loopback, quiet)."""
    import uvicorn

    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmarked civicapi (and of the seeding, in this process): quiet logs, no rate
    limits (every request comes from 127.0.0.1), access tokens valid for a day (seeded before the run)."""
    env = {
        **os.environ,
        "CIVICAPI_DATABASE_URL": database_url,
        "CIVICAPI_LOG_LEVEL": "WARNING",
        "CIVICAPI_RATE_LIMITS_ENABLED": "false",
        "CIVICAPI_ACCESS_TOKEN_TTL_SECONDS": "86400",
        **extra,
    }
    os.environ.update({k: v for k, v in env.items() if k.startswith("CIVICAPI_")})
    return env


# --- seeding ----------------------------------------------------------------------------------------------


async def seed(voters: int) -> dict[str, Any]:
    from datetime import date, timedelta

    from sqlalchemy import insert

    from civicapi.communes import service as communes
    from civicapi.communes.repository import CommuneRepository
    from civicapi.communes.schemas import CommuneCreate
    from civicapi.config import get_settings
    from civicapi.core.db.base import utcnow
    from civicapi.core.db.session import Database, create_engine
    from civicapi.identity.dependencies import build_token_service
    from civicapi.identity.models import User
    from civicapi.modules.budgets.models import Budget, Project
    from civicapi.registry import load_modules
    from civicapi.spaces import service as spaces
    from civicapi.spaces import service_components as spaces_components
    from civicapi.spaces.schemas import ComponentCreate, PhaseCreate, ProcessCreate

    settings = get_settings()
    registry = load_modules(settings.modules)
    db = Database(create_engine(settings.database_url))
    slug = f"ballots-{uuid.uuid4().hex[:8]}"
    try:
        async with db.unit_of_work() as session:
            commune = await communes.create_commune(
                session, CommuneCreate(slug=slug, name="Bench", locales=["fr"], default_locale="fr")
            )
            await communes.enable_module(session, registry, commune, "budgets", {})
        async with db.unit_of_work() as session:
            commune = await CommuneRepository(session).by_slug(slug, with_modules=True)
            assert commune is not None
            process = await spaces.create_process(
                session, commune, ProcessCreate(slug="bp", title={"fr": "Budget participatif (bench)"})
            )
            await spaces.set_published(session, process, True)
            phase = await spaces.create_phase(
                session,
                commune,
                process,
                PhaseCreate(
                    title={"fr": "Vote"},
                    start_date=date.today() - timedelta(days=1),
                    end_date=date.today() + timedelta(days=30),
                ),
            )
            process.phases.append(phase)
            component = await spaces_components.create_component(
                session,
                registry,
                commune,
                process,
                ComponentCreate(
                    module_key="budgets",
                    name={"fr": "Budget"},
                    settings={"minimum_percent": 50},
                    step_settings={phase.id: {"votes": "enabled"}},
                ),
            )
            await spaces.set_published(session, component, True)
            budget = Budget(
                commune_id=commune.id, component_id=component.id, title={"fr": "Ville"}, total_amount=100_000
            )
            session.add(budget)
            await session.flush()
            projects = [
                Project(
                    commune_id=commune.id,
                    component_id=component.id,
                    budget_id=budget.id,
                    number=i + 1,
                    title={"fr": f"Projet {i + 1}"},
                    cost=9_000,
                    position=i,
                )
                for i in range(PROJECTS)
            ]
            session.add_all(projects)
            await session.flush()
            path = f"/v1/communes/{slug}/budgets/components/{component.id}/budgets/{budget.id}/ballot"
            project_ids = [str(p.id) for p in projects]
        tokens = build_token_service(settings)
        ids = [uuid.uuid4() for _ in range(voters)]
        for start in range(0, voters, 5000):
            async with db.unit_of_work() as session:
                now = utcnow()
                await session.execute(
                    insert(User),
                    [
                        {
                            "id": i,
                            "email": f"voter-{i.hex}@bench.test",
                            "display_name": "Voter",
                            "email_confirmed_at": now,
                        }
                        for i in ids[start : start + 5000]
                    ],
                )
        return {
            "path": path,
            "projects": project_ids,
            "floor": {
                "commune_id": str(commune.id),
                "component_id": str(component.id),
                "budget_id": str(budget.id),
                "projects": project_ids,
                "costs": [p.cost for p in projects],
            },
            "tokens": [tokens.issue(str(i))[0] for i in ids],
        }
    finally:
        await db.dispose()


# --- load -------------------------------------------------------------------------------------------------


class Voters:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.next = 0

    def take(self) -> str | None:
        if self.next >= len(self.tokens):
            return None
        self.next += 1
        return self.tokens[self.next - 1]


async def load(
    url: str,
    body: bytes,
    voters: Voters,
    *,
    seconds: int,
    connections: int,
    server_pid: int | None = None,
    path_of: Callable[[int], str] | None = None,
) -> dict[str, Any]:
    """Closed loop: ``connections`` keep-alive connections each send the next voter's ballot as soon as the
    previous answer arrives, for ``seconds``. ``path_of(n)``: the path of the n-th voter's request, when
    it is not ``url``'s."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    pool = Pool(host, port, connections)

    async def worker() -> None:
        while time.monotonic() < deadline:
            token = voters.take()
            if token is None:
                return
            request = build_request(
                "POST",
                parts.path if path_of is None else path_of(voters.next),
                f"{host}:{port}",
                {"Authorization": f"Bearer {token}", "Idempotency-Key": token[-24:]},
                body,
            )
            started = time.perf_counter()
            conn = await pool.acquire()
            try:
                status = await asyncio.wait_for(exchange(*conn, request), 30)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                await pool.discard(conn)
                errors[type(exc).__name__] += 1
            else:
                await pool.release(conn)
                if status != 201:
                    errors[str(status)] += 1
            latencies.append(time.perf_counter() - started)

    began = time.monotonic()
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.monotonic() - began
    cpu = cpu_seconds(server_pid) - cpu_before if server_pid else 0.0
    latencies.sort()

    def pct(p: float) -> float:
        return (
            round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2) if latencies else 0.0
        )

    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "errors": sum(errors.values()),
        "error_statuses": dict(errors),
        "server_cpu_ms_per_request": round(cpu * 1000 / len(latencies), 2) if latencies and cpu else None,
    }


def _ratio(summary: dict[str, dict[str, Any]], target: str, to: str) -> float:
    return (
        round(summary[target]["median_rps"] / summary[to]["median_rps"], 3)
        if summary[to]["median_rps"]
        else 0.0
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["ceiling"]:
        serve_ceiling(int(argv[argv.index("--port") + 1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument(
        "--database-url", required=True, help="postgresql+asyncpg://... (the ratio is defined on PostgreSQL)"
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--voters", type=int, default=60_000, help="accounts seeded (one ballot each)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        parser.error("the ceiling does raw asyncpg inserts: give a PostgreSQL URL")
    sys.path.insert(0, str(BENCH_DIR))
    from run import Servers, machine_info, redact, start_server

    workdir = Path(tempfile.mkdtemp(prefix="civicapi-bench-ballots-"))
    env = server_env(
        args.database_url, **{DSN_ENV: args.database_url.replace("postgresql+asyncpg://", "postgresql://")}
    )
    servers = Servers()
    started = dt.datetime.now(dt.UTC)
    try:
        subprocess.run(
            [str(BIN / "civicapi"), "migrate", "upgrade"],
            env=env,
            check=True,
            timeout=300,
            capture_output=True,
        )
        seeded = asyncio.run(seed(args.voters))
        body = json.dumps({"projects": seeded["projects"]}).encode()
        real = start_server(
            servers, "civicapi", [str(BIN / "civicapi"), "serve"], env, workdir, "/health/ready"
        )
        ceiling = start_server(
            servers,
            "ceiling",
            [str(BIN / "python"), str(Path(__file__).resolve()), "ceiling"],
            env,
            workdir,
            "/ready",
        )
        floor = start_server(
            servers,
            "floor",
            [str(BIN / "python"), str(BENCH_DIR / "ballot_floor.py")],
            {**env, FLOOR_ENV: json.dumps(seeded["floor"])},
            workdir,
            "/ready",
        )
        urls = {
            "real": real.base_url + seeded["path"],
            "ceiling": ceiling.base_url + "/ballot",
            "floor": floor.base_url + "/ballot",
        }
        pids = {"real": real.proc.pid, "ceiling": ceiling.proc.pid, "floor": floor.proc.pid}
        voters = Voters(seeded["tokens"])
        rounds: dict[str, list[dict[str, Any]]] = {target: [] for target in TARGETS}
        for target in TARGETS:
            if args.warmup:
                asyncio.run(
                    load(urls[target], body, voters, seconds=args.warmup, connections=args.connections)
                )
        for i in range(args.rounds):
            for target in TARGETS:
                result = asyncio.run(
                    load(
                        urls[target],
                        body,
                        voters,
                        seconds=args.duration,
                        connections=args.connections,
                        server_pid=pids[target],
                    )
                )
                rounds[target].append(result)
                print(
                    f"round {i + 1}/{args.rounds} {target:<8} {result['rps']:>8,.0f} req/s  p50 {result['p50_ms']:7.2f} ms"
                    f"  p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}"
                    f"  server CPU {result['server_cpu_ms_per_request']} ms/request",
                    flush=True,
                )
    except KeyboardInterrupt:
        return 130
    finally:
        servers.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    summary = {
        target: {
            "median_rps": statistics.median(r["rps"] for r in results),
            "median_p99_ms": statistics.median(r["p99_ms"] for r in results),
            "errors": sum(r["errors"] for r in results),
        }
        for target, results in rounds.items()
    }
    ratio = _ratio(summary, "real", "ceiling")
    floor_ratio = _ratio(summary, "floor", "ceiling")
    of_floor = _ratio(summary, "real", "floor")
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/ballots.py", *argv]),
        "machine": machine_info(),
        "database_url": redact(args.database_url),
        "options": {k: getattr(args, k) for k in ("duration", "connections", "rounds", "warmup", "voters")},
        "voters_used": voters.next,
        "summary": summary,
        "ratio_real_to_ceiling": ratio,
        "ratio_floor_to_ceiling": floor_ratio,
        "ratio_real_to_floor": of_floor,
        "rounds": rounds,
    }
    results_dir = BENCH_DIR / "results"
    results_dir.mkdir(exist_ok=True)
    out = results_dir / f"ballots-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nballot submission (10 projects) / raw asyncpg insert: {ratio:.3f} (median req/s)")
    print(f"the ballot's database floor / raw asyncpg insert:     {floor_ratio:.3f}")
    print(f"ballot submission / the ballot's database floor:      {of_floor:.3f}")
    print(f"results: {out.relative_to(BENCH_DIR.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
