"""Soak test of a vote: ``--ballots`` ballots/s plus ``--reads`` reads/s for ``--minutes``, on PostgreSQL.

    .venv/bin/python bench/soak.py --database-url postgresql+asyncpg://user:pass@127.0.0.1/bench \
        [--minutes 10] [--ballots 50] [--reads 500] [--workers 2] [--ramp 30]

The issue's bar (budgets, #5): sustain 50 ballots/s plus 500 reads/s for 10 minutes with p99 < 500 ms and
no errors. How this script measures it:

1. migrate, then seed like ``bench/ballots.py`` (a commune, a budgets component open for voting, one budget
   of 10 projects) with one account per ballot to cast (each ballot is another resident: one person, one
   vote), and start ``civicapi serve --workers N`` (rate limits off: every request comes from 127.0.0.1);
2. drive it **open loop** (the way residents arrive: at a fixed rate, whether or not the server keeps up)
   from a separate process: request *i* of a stream is due at ``start + i / rate``; its latency is counted
   **from that due time**, so a server that falls behind shows its queueing in the latencies instead of
   slowing the load down ("coordinated omission"). Requests use keep-alive connections from a pool
   (opened on demand, at most ``--max-connections``);
   before the measured minutes, ``--ramp`` seconds (default 30) of rates rising linearly from zero to the
   targets warm the server up as traffic would (pools fill, each connection prepares its statements); the
   ramp's requests are reported apart and do not count for the bar (``--ramp 0``: a cold server meets the
   full rates at once);
3. the traffic: ballots (``POST .../ballot``, whole 10-project ballot with an ``Idempotency-Key``, a new
   voter each time) and reads, the reads being a mix of what a vote's audience does: 50 % the budget's
   project list and 40 % the budget (anonymous, public), 10 % a voter looking at their own ballot
   (authenticated, never cached);
4. every response is checked (201 for ballots, 200 for reads); anything else, a connection error or a
   timeout (10 s) is an error. Prints per-kind counts, achieved rates, p50/p90/p99/max, errors, and the p99
   of each minute (to see any drift), and writes everything to ``bench/results/soak-<time>.json``.

Only 127.0.0.1 is targeted; the server is stopped in a ``finally``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rawhttp import Pool, build_request, exchange

BENCH_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
TIMEOUT = 10.0


@dataclass
class Stream:
    """One kind of request, sent at ``rate`` per second."""

    kind: str
    rate: float
    requests: list[bytes]
    expect: int
    """The status every answer must have."""
    cycle: bool = True
    """Reuse ``requests`` in turn (reads); without it each is sent once (ballots: one per voter)."""


@dataclass
class Record:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    per_minute: dict[str, dict[int, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    errors: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    sent: Counter[str] = field(default_factory=Counter)
    loop_lag: dict[int, float] = field(default_factory=dict)
    """The load generator's own longest event-loop delay per minute (s): a stall here delays every kind
    of request at once and then sends the backlog in a burst, which is not the server's doing."""


def due_offsets(rate: float, seconds: float, ramp: float) -> list[float]:
    """When each request of a stream is due, in seconds from the start: during ``ramp`` the rate rises
    linearly from 0 to ``rate`` (request *i* at sqrt(2 * ramp * i / rate)), then it stays at ``rate`` for
    ``seconds``."""
    in_ramp = int(rate * ramp / 2)
    ramped = [math.sqrt(2 * ramp * i / rate) for i in range(in_ramp)]
    return ramped + [ramp + i / rate for i in range(int(seconds * rate))]


async def drive(
    streams: list[Stream],
    pool: Pool,
    seconds: float,
    record: Record,
    ramp: float = 0.0,
    warm: Record | None = None,
) -> float:
    """Send every stream at its rate for ``seconds`` (open loop), after ``ramp`` seconds of rising rates
    whose requests are recorded in ``warm``; returns the elapsed time of the measured part."""
    start = time.perf_counter() + 0.5
    measured_from = start + ramp
    tasks: set[asyncio.Task[None]] = set()

    async def one(stream: Stream, request: bytes, due: float) -> None:
        conn = None
        try:
            async with asyncio.timeout(TIMEOUT):
                conn = await pool.acquire()
                status = await exchange(*conn, request)
            await pool.release(conn)
            conn = None
            if status != stream.expect:
                record.errors[stream.kind][str(status)] += 1
        except TimeoutError:
            record.errors[stream.kind]["timeout"] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            record.errors[stream.kind][type(exc).__name__] += 1
        finally:
            if conn is not None:
                await pool.discard(conn)
        latency = time.perf_counter() - due
        into = record if due >= measured_from or warm is None else warm
        into.latencies[stream.kind].append(latency)
        into.per_minute[stream.kind][int(max(0.0, due - measured_from) // 60)].append(latency)

    async def pace(stream: Stream) -> None:
        offsets = due_offsets(stream.rate, seconds, ramp)
        for i, offset in enumerate(offsets):
            if not stream.cycle and i >= len(stream.requests):
                record.errors[stream.kind]["ran out of voters"] += len(offsets) - i
                return
            due = start + offset
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            (record if due >= measured_from or warm is None else warm).sent[stream.kind] += 1
            task = asyncio.create_task(one(stream, stream.requests[i % len(stream.requests)], due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    async def tick() -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            lag = time.perf_counter() - before - 0.01
            minute = int(max(0.0, before - measured_from) // 60)
            if before >= measured_from:
                record.loop_lag[minute] = max(record.loop_lag.get(minute, 0.0), lag)

    ticker = asyncio.create_task(tick())
    await asyncio.gather(*(pace(s) for s in streams))
    while tasks:
        await asyncio.gather(*list(tasks))
    ticker.cancel()
    return time.perf_counter() - measured_from


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))]


def summarize(record: Record, elapsed: float) -> dict[str, Any]:
    kinds = sorted(record.latencies)
    every = [x for k in kinds for x in record.latencies[k]]
    out: dict[str, Any] = {"elapsed_s": round(elapsed, 1), "kinds": {}}
    for kind, values in [*((k, record.latencies[k]) for k in kinds), ("all", every)]:
        errors = (
            sum(sum(c.values()) for c in record.errors.values())
            if kind == "all"
            else sum(record.errors[kind].values())
        )
        out["kinds"][kind] = {
            "requests": len(values),
            "rate_per_s": round(len(values) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p90_ms": round(percentile(values, 90) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
            "max_ms": round(max(values, default=math.nan) * 1000, 1),
            "errors": errors,
        }
    out["errors"] = {k: dict(c) for k, c in record.errors.items() if c}
    out["loadgen_loop_lag_max_ms_per_minute"] = {
        str(m + 1): round(lag * 1000, 1) for m, lag in sorted(record.loop_lag.items())
    }
    minutes = sorted({m for k in kinds for m in record.per_minute[k]})
    out["p99_ms_per_minute"] = {
        str(m + 1): round(
            percentile([x for k in kinds for x in record.per_minute[k].get(m, [])], 99) * 1000, 1
        )
        for m in minutes
    }
    return out


def markdown(summary: dict[str, Any]) -> str:
    rows = [
        "| requests | count | rate/s | p50 ms | p90 ms | p99 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, s in summary["kinds"].items():
        rows.append(
            f"| {kind} | {s['requests']:,} | {s['rate_per_s']} | {s['p50_ms']} | {s['p90_ms']} | "
            f"{s['p99_ms']} | {s['max_ms']} | {s['errors']} |"
        )
    per_minute = ", ".join(f"{m}: {v}" for m, v in summary["p99_ms_per_minute"].items())
    lag = ", ".join(f"{m}: {v}" for m, v in summary.get("loadgen_loop_lag_max_ms_per_minute", {}).items())
    return (
        "\n".join(rows)
        + f"\n\np99 per minute (ms): {per_minute}\n"
        + f"load generator's longest loop delay per minute (ms): {lag}\n"
    )


def build_streams(
    seeded: dict[str, Any], host: str, args: argparse.Namespace, voted: list[str]
) -> list[Stream]:
    ballot_path: str = seeded["path"]
    budget_path = ballot_path.removesuffix("/ballot")
    body = json.dumps({"projects": seeded["projects"]}).encode()
    tokens: list[str] = seeded["tokens"]
    ballots = [
        build_request(
            "POST",
            ballot_path,
            host,
            {"Authorization": f"Bearer {t}", "Idempotency-Key": f"soak-{i}"},
            body,
        )
        for i, t in enumerate(tokens)
    ]
    public = [
        build_request("GET", budget_path + "/projects?limit=20", host, {}),
        build_request("GET", budget_path, host, {}),
    ]
    own = [build_request("GET", ballot_path, host, {"Authorization": f"Bearer {t}"}) for t in voted]
    # Reads: 50 % the project list, 40 % the budget (public), 10 % a voter's own ballot (voters in turn).
    return [
        Stream("ballot", args.ballots, ballots, expect=201, cycle=False),
        Stream("read: public", args.reads * 0.9, [*public * 4, public[0]], expect=200),
        Stream("read: own ballot", args.reads * 0.1, own, expect=200),
    ]


async def cast_warmup_ballots(base: str, seeded: dict[str, Any], tokens: list[str]) -> None:
    """Voters whose own ballot the reads look at (they vote before the soak starts)."""
    import httpx

    body = {"projects": seeded["projects"]}
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
        for i, token in enumerate(tokens):
            r = await client.post(
                seeded["path"],
                json=body,
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"warm-{i}"},
            )
            if r.status_code != 201:
                raise SystemExit(f"warm-up ballot refused: {r.status_code} {r.text}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgresql+asyncpg://...")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--ballots", type=float, default=50.0, help="ballots per second")
    parser.add_argument("--reads", type=float, default=500.0, help="reads per second")
    parser.add_argument("--workers", type=int, default=2, help="civicapi serve --workers")
    parser.add_argument("--max-connections", type=int, default=256)
    parser.add_argument(
        "--ramp",
        type=float,
        default=30.0,
        help="seconds of rates rising from 0 to the target before the measured minutes (reported apart)",
    )
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        parser.error("the soak test is defined on PostgreSQL")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(BENCH_DIR))
    from ballots import seed, server_env
    from run import HOST, Servers, machine_info, redact, start_server

    workdir = Path(tempfile.mkdtemp(prefix="civicapi-soak-"))
    env = server_env(args.database_url, CIVICAPI_DATABASE_POOL_SIZE="20")
    seconds = args.minutes * 60
    voters = int((seconds + args.ramp / 2) * args.ballots * 1.02) + 200
    servers = Servers()
    started = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()
    try:
        subprocess.run(
            [str(BIN / "civicapi"), "migrate", "upgrade"],
            env=env,
            check=True,
            timeout=300,
            capture_output=True,
        )
        print(f"seeding {voters:,} voters ...", flush=True)
        seeded = asyncio.run(seed(voters))
        server = start_server(
            servers,
            "civicapi",
            [str(BIN / "civicapi"), "serve", "--workers", str(args.workers)],
            env,
            workdir,
            "/health/ready",
        )
        watchers, seeded["tokens"] = seeded["tokens"][:100], seeded["tokens"][100:]
        asyncio.run(cast_warmup_ballots(server.base_url, seeded, watchers))
        streams = build_streams(seeded, f"{HOST}:{server.port}", args, watchers)
        # What seeding left in this process is never garbage again: keep the collector's full passes
        # (which walk every tracked object) from pausing the load generator mid-run.
        gc.collect()
        gc.freeze()
        print(
            f"soak: {args.ramp:g} s ramp, then {args.ballots} ballots/s + {args.reads} reads/s "
            f"for {args.minutes} min ...",
            flush=True,
        )
        record, warm = Record(), Record()
        pool = Pool(HOST, server.port, args.max_connections)
        run = drive(streams, pool, seconds, record, args.ramp, warm)
        try:
            import uvloop

            elapsed = uvloop.run(run)
        except ImportError:
            elapsed = asyncio.run(run)
    finally:
        servers.stop_all()
    summary = summarize(record, elapsed)
    # The server logs at WARNING: anything here (the event-loop watchdog's stalls, lane errors) explains
    # what the latencies show.
    log_path = workdir / "civicapi.log"
    server_log = log_path.read_text(errors="replace").splitlines()[:400] if log_path.exists() else []
    ramp_summary = summarize(warm, args.ramp) if args.ramp else None
    every = summary["kinds"]["all"]
    passed = every["errors"] == 0 and every["p99_ms"] < 500
    result = {
        "started_at": started.isoformat(timespec="seconds"),
        "command": " ".join([sys.executable, *sys.argv]).replace(
            args.database_url, redact(args.database_url)
        ),
        "machine": machine_info(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "options": {k: v for k, v in vars(args).items() if k != "database_url"},
        "summary": summary,
        "ramp": ramp_summary,
        "passed": passed,
        "server_log": server_log,
    }
    out_dir = BENCH_DIR / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"soak-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    if ramp_summary is not None:
        ramp_all = ramp_summary["kinds"].get("all", {})
        print(
            f"ramp ({args.ramp:g} s, not counted): {ramp_all.get('requests', 0):,} requests, "
            f"p99 {ramp_all.get('p99_ms')} ms, {ramp_all.get('errors', 0)} errors"
        )
    print(markdown(summary))
    if server_log:
        print(f"server log ({len(server_log)} lines, first ones; all in the details):")
        print("\n".join(server_log[:40]))
    print(f"load average before {result['load_average_before']}, after {result['load_average_after']}")
    print(("PASSED" if passed else "FAILED") + ": every request answered as expected, p99 < 500 ms")
    print(f"details: {out}")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
