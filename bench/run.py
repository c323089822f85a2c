"""Benchmark civicapi endpoints against ceilings measured in the same run, on the same machine.

    .venv/bin/python bench/run.py [--duration 10] [--connections 32] [--scenario commune] [--rounds 3]
    .venv/bin/python bench/run.py --database-url postgresql+asyncpg://user:pass@127.0.0.1/bench

For every endpoint of the scenario: GET the real endpoint once and capture its bytes, start two ceiling
servers answering those exact bytes (a bare ASGI callable and a FastAPI "hello" app, bench/ceilings.py,
under the same uvicorn options as ``civicapi serve``), then load each target in turn with the same
duration and connections, interleaved (bare ASGI, civicapi, FastAPI hello) for several rounds. The figure
that matters is civicapi's throughput as a ratio to each ceiling: absolute numbers on a shared, noisy
machine mean little, ratios measured side by side mean more. Only 127.0.0.1 is ever targeted, every
load run is bounded in time, and every server started here is stopped on exit, even on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from ceilings import RESPONSE_ENV, ROUTE_ENV, CapturedResponse
from loadgen import PYTHON_GENERATOR, LoadResult, request_timeout, run_load, wrk_path, wrk_version

BENCH_DIR = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Endpoint:
    """One measured endpoint. ``path`` and ``headers`` may name placeholders (``{component_id}``) that
    the scenario's setup commands print; with ``vary=(name, file placeholder)``, each request takes the
    next value of that file for ``{name}`` (every request a new resource: e.g. a new support)."""

    label: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    vary: tuple[str, str] | None = None


# Scenario name -> endpoints, each (label, method, path) or an Endpoint. Paths are on the seeded demo
# commune `demo`.
SCENARIOS: dict[str, list[tuple[str, str, str] | Endpoint]] = {
    "commune": [
        ("commune", "GET", "/v1/communes/demo"),
        ("commune modules", "GET", "/v1/communes/demo/modules"),
    ],
    "health": [
        ("liveness (no database)", "GET", "/health/live"),
        ("readiness (SELECT 1)", "GET", "/health/ready"),
    ],
    "proposals": [
        Endpoint(
            "proposals list: a 50-proposal page of 10,000",
            "GET",
            "/v1/communes/demo/proposals/components/{component_id}/proposals?limit=50",
        ),
    ],
    "supports": [
        Endpoint(
            "support a proposal (a new support each request)",
            "POST",
            "/v1/communes/demo/proposals/components/{component_id}/proposals/{proposal_id}/supports",
            headers={"Authorization": "Bearer {token}"},
            vary=("proposal_id", "proposals_file"),
        ),
    ],
    "accountability": [
        Endpoint(
            "accountability summary: 5,000 results in a 4-level tree",
            "GET",
            "/v1/communes/demo/accountability/components/{accountability_component_id}/summary",
        ),
        Endpoint(
            "accountability statuses: the same component lookup, no aggregate (a baseline)",
            "GET",
            "/v1/communes/demo/accountability/components/{accountability_component_id}/statuses",
        ),
    ],
    "agenda": [
        Endpoint(
            "agenda directory: a 50-meeting page of 10,000, anonymous",
            "GET",
            "/v1/communes/demo/agenda/meetings?limit=50",
        ),
        Endpoint(
            "agenda directory: the same page for a signed-in resident (their registrations flagged)",
            "GET",
            "/v1/communes/demo/agenda/meetings?limit=50",
            headers={"Authorization": "Bearer {agenda_token}"},
        ),
    ],
    "surveys": [
        Endpoint(
            "survey results: 100,000 answers to 10 questions, district and age breakdowns, anonymous",
            "GET",
            "/v1/communes/demo/surveys/components/{surveys_component_id}/surveys/{survey_id}/results",
        ),
    ],
    "map": [
        Endpoint(
            "map clusters: 100,000 places at a city zoom (13)",
            "GET",
            "/v1/communes/demo/map/clusters?zoom=13",
        ),
        Endpoint(
            "map places: a 500-place GeoJSON page in a bounding box",
            "GET",
            "/v1/communes/demo/map/places?limit=500&bbox=5.55,50.60,5.65,50.66",
        ),
        Endpoint("map vector tile at a dense zoom (14)", "GET", "/v1/communes/demo/map/tiles/{map_tile}.mvt"),
    ],
}
# Scenario name -> setup command (arguments after the venv's python, run in bench/ after seed-demo);
# it prints a JSON object of placeholders for the scenario's paths and headers. Run once per command.
SETUP: dict[str, tuple[str, ...]] = {
    "proposals": ("seed_proposals.py", "--count", "10000"),
    "supports": ("seed_proposals.py", "--count", "10000"),
    "accountability": ("seed_accountability.py", "--count", "5000"),
    "agenda": ("seed_agenda.py", "--count", "10000"),
    "surveys": ("seed_surveys.py", "--count", "100000"),
    "map": ("map_clusters.py", "--count", "100000"),
}

# Targets in the order they are loaded within a round; "real" is civicapi itself.
TARGETS = ("bare", "real", "fastapi")
TARGET_NAMES = {"bare": "bare ASGI (ceiling)", "real": "civicapi", "fastapi": "FastAPI hello (ceiling)"}
# Headers that legitimately differ per request or per server; everything else must match byte for byte.
VOLATILE_HEADERS = {"date", "x-request-id"}


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass
class Servers:
    """Every server this run started, so that one ``finally`` stops them all."""

    running: list[Server] = field(default_factory=list)

    def stop(self, server: Server) -> None:
        if server.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.proc.pid, signal.SIGTERM)  # its own session: pgid == pid
            try:
                server.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(server.proc.pid, signal.SIGKILL)
                server.proc.wait(timeout=10)
        if server in self.running:
            self.running.remove(server)

    def stop_all(self) -> None:
        for server in list(self.running):
            self.stop(server)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start_server(
    servers: Servers,
    name: str,
    cmd: list[str],
    env: dict[str, str],
    workdir: Path,
    ready_path: str,
    ready_method: str = "GET",
) -> Server:
    port = free_port()
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [*cmd, "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to us, not to it; we stop it in `finally`
        )
    server = Server(name=name, proc=proc, port=port, log_path=log_path)
    servers.running.append(server)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{log_tail(log_path)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.request(ready_method, server.base_url + ready_path, timeout=1.0).status_code < 300:
                return server
        time.sleep(0.2)
    raise RuntimeError(f"{name} was not ready within 30 s:\n{log_tail(log_path)}")


def capture(url: str, method: str, path: str, headers: dict[str, str] | None = None) -> CapturedResponse:
    response = httpx.request(method, url + path, headers=headers, timeout=max(10.0, request_timeout()))
    for _ in range(20):  # the previous endpoint's load may still be draining (503 "overloaded")
        if response.status_code != 503:
            break
        time.sleep(0.5)
        response = httpx.request(method, url + path, headers=headers, timeout=max(10.0, request_timeout()))
    if response.status_code >= 400:
        raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.text[:500]}")
    headers = [
        (k.decode("latin-1"), v.decode("latin-1"))
        for k, v in response.headers.raw
        if k.decode("latin-1").lower() not in {"date", "server"}
    ]
    return CapturedResponse(method, path, response.status_code, headers, response.content)


def check_same_bytes(real: CapturedResponse, server: Server) -> None:
    response = httpx.request(real.method, server.base_url + real.path, timeout=10.0)
    mine = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw]

    def stable(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(k.lower(), v) for k, v in headers if k.lower() not in VOLATILE_HEADERS | {"server"}]

    if response.status_code != real.status or response.content != real.body:
        raise RuntimeError(f"{server.name} does not answer the captured body for {real.path}")
    if sorted(stable(mine)) != sorted(stable(real.headers)):
        raise RuntimeError(f"{server.name} headers differ:\n{stable(mine)}\nvs\n{stable(real.headers)}")


def redact(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def machine_info() -> dict[str, Any]:
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for dist in ("civicapi", "fastapi", "starlette", "uvicorn", "uvloop", "httptools", "sqlalchemy"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[dist] = importlib.metadata.version(dist)
    return {
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu_model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }


def summarize(rounds: dict[str, list[LoadResult]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for target, results in rounds.items():
        out[target] = {
            "median_rps": round(statistics.median(r.rps for r in results), 1),
            "min_rps": min(r.rps for r in results),
            "max_rps": max(r.rps for r in results),
            "median_p50_ms": round(statistics.median(r.p50_ms for r in results), 3),
            "median_p99_ms": round(statistics.median(r.p99_ms for r in results), 3),
            "errors": sum(r.errors for r in results),
            "rounds": [r.to_dict() for r in results],
        }
    real = rounds["real"]
    for ceiling in ("bare", "fastapi"):
        per_round = [r.rps / c.rps for r, c in zip(real, rounds[ceiling], strict=True) if c.rps]
        out[f"ratio_real_to_{ceiling}"] = round(out["real"]["median_rps"] / out[ceiling]["median_rps"], 3)
        out[f"ratio_real_to_{ceiling}_per_round"] = [round(x, 3) for x in per_round]
    return out


def markdown(endpoints: list[dict[str, Any]]) -> str:
    lines = [
        "| endpoint | target | req/s (median) | req/s min-max | p50 ms | p99 ms | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for ep in endpoints:
        s = ep["summary"]
        for target in ("bare", "fastapi", "real"):
            t = s[target]
            lines.append(
                f"| `{ep['method']} {ep['path']}` | {TARGET_NAMES[target]} | {t['median_rps']:,.0f} "
                f"| {t['min_rps']:,.0f} to {t['max_rps']:,.0f} | {t['median_p50_ms']:.2f} "
                f"| {t['median_p99_ms']:.2f} | {t['errors']} |"
            )
    lines += [
        "",
        "| endpoint | civicapi ÷ bare ASGI | per round | civicapi ÷ FastAPI hello | per round |",
        "|---|---:|---|---:|---|",
    ]
    for ep in endpoints:
        s = ep["summary"]
        lines.append(
            f"| `{ep['method']} {ep['path']}` | **{s['ratio_real_to_bare']:.3f}** "
            f"| {', '.join(f'{x:.3f}' for x in s['ratio_real_to_bare_per_round'])} "
            f"| **{s['ratio_real_to_fastapi']:.3f}** "
            f"| {', '.join(f'{x:.3f}' for x in s['ratio_real_to_fastapi_per_round'])} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run (1-120)")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (1-512)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per endpoint (1-10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per target, not measured")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: 2 cores shared)")
    parser.add_argument(
        "--scenario", default="commune", help=f"comma-separated, among: {', '.join(SCENARIOS)}"
    )
    parser.add_argument("--load-generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--database-url", default=None, help="bench on this database instead of SQLite")
    args = parser.parse_args(argv)
    unknown = [s for s in args.scenario.split(",") if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {unknown}; known: {', '.join(SCENARIOS)}")
    for name, low, high in (
        ("duration", 1, 120),
        ("connections", 1, 512),
        ("rounds", 1, 10),
        ("warmup", 0, 30),
        ("threads", 1, 16),
    ):
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name} must be within {low}-{high}")
    return args


def choose_generator(wanted: str) -> str:
    if wanted in {"auto", "wrk"} and wrk_path() is not None:
        return "wrk"
    if wanted == "wrk":
        sys.exit("wrk is not installed: `sudo apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk`")
    if wanted == "auto":
        print(
            "!! wrk not found; install it for trustworthy figures: `sudo apt-get install -y wrk`.\n"
            "!! Falling back to a Python asyncio load generator. It shares the cores with the servers and\n"
            "!! may saturate before the bare-ASGI ceiling does: ceilings understated, ratios flattered.",
            flush=True,
        )
    return "python"


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignored
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def as_endpoint(spec: tuple[str, str, str] | Endpoint) -> Endpoint:
    return spec if isinstance(spec, Endpoint) else Endpoint(*spec)


def run_setup(scenarios: list[str], env: dict[str, str], workdir: Path) -> dict[str, str]:
    """Run the setup commands of ``scenarios`` (each once); their placeholders, merged."""
    placeholders: dict[str, str] = {}
    done: set[tuple[str, ...]] = set()
    for name in scenarios:
        command = SETUP.get(name)
        if command is None or command in done:
            continue
        done.add(command)
        out = subprocess.run(
            [str(BIN / "python"), str(BENCH_DIR / command[0]), *command[1:]],
            cwd=workdir,
            env={**env, "CIVICAPI_ACCESS_TOKEN_TTL_SECONDS": "86400"},
            check=True,
            timeout=1800,
            capture_output=True,
        )
        placeholders.update(json.loads(out.stdout.decode().strip().splitlines()[-1]))
    return placeholders


R = TypeVar("R")


def interleaved(
    targets: Sequence[str],
    load: Callable[[str, int], R],
    args: argparse.Namespace,
    show: Callable[[int, str, R], str],
) -> dict[str, list[R]]:
    """Each target loaded for ``args.warmup`` seconds (not measured), then in turn for ``args.duration``
    seconds, for ``args.rounds`` rounds, so that a burst of noise hits them all; each round's result."""
    if args.warmup:
        for target in targets:
            load(target, args.warmup)
    rounds: dict[str, list[R]] = {t: [] for t in targets}
    for i in range(args.rounds):
        for target in targets:
            result = load(target, args.duration)
            rounds[target].append(result)
            print(show(i, target, result), flush=True)
    return rounds


def bench_endpoint(
    servers: Servers,
    real: Server,
    endpoint: Endpoint,
    args: argparse.Namespace,
    generator: str,
    workdir: Path,
    placeholders: dict[str, str],
) -> dict[str, Any]:
    label, method = endpoint.label, endpoint.method
    headers = {k: v.format(**placeholders) for k, v in endpoint.headers.items()}
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower())
    env = {**os.environ}
    paths_file: Path | None = None
    if endpoint.vary is None:
        path = shown = endpoint.path.format(**placeholders)
    else:
        name, values_file = endpoint.vary
        values = [v for v in Path(placeholders[values_file]).read_text(encoding="utf-8").splitlines() if v]
        paths_file = workdir / f"paths-{slug}.txt"
        paths_file.write_text(
            "".join(endpoint.path.format(**placeholders, **{name: v}) + "\n" for v in values),
            encoding="utf-8",
        )
        shown = endpoint.path.format(**placeholders, **{name: "{" + name + "}"})
        env[ROUTE_ENV] = shown
        path = endpoint.path.format(**placeholders, **{name: values[-1]})  # captured once; load starts at 1st
    captured = capture(real.base_url, method, path, headers)
    response_file = workdir / f"response-{slug}.json"
    response_file.write_text(captured.to_json(), encoding="utf-8")
    env[RESPONSE_ENV] = str(response_file)
    ceiling_cmd = [str(BIN / "python"), str(BENCH_DIR / "ceilings.py"), "--host", HOST]
    bare = start_server(servers, "bare", [*ceiling_cmd, "--kind", "bare"], env, workdir, path, method)
    hello = start_server(servers, "fastapi", [*ceiling_cmd, "--kind", "fastapi"], env, workdir, path, method)
    try:
        for ceiling in (bare, hello):
            check_same_bytes(captured, ceiling)
        print(
            f"\n== {label}: {method} {shown} ({len(captured.body)} body bytes, same bytes on all 3 servers)"
        )
        urls = {"bare": bare.base_url + path, "real": real.base_url + path, "fastapi": hello.base_url + path}

        def load(target: str, seconds: int) -> LoadResult:
            return run_load(
                generator,
                urls[target],
                method=method,
                duration=seconds,
                connections=args.connections,
                threads=args.threads,
                headers=headers,
                paths_file=paths_file,
            )

        def show(i: int, target: str, result: LoadResult) -> str:
            return (
                f"   round {i + 1}/{args.rounds} {TARGET_NAMES[target]:<24} {result.rps:>9,.0f} req/s"
                f"  p50 {result.p50_ms:7.2f} ms  p99 {result.p99_ms:7.2f} ms  errors {result.errors}"
            )

        rounds = interleaved(TARGETS, load, args, show)
    finally:
        servers.stop(bare)
        servers.stop(hello)
    return {
        "label": label,
        "method": method,
        "path": shown,
        "body_bytes": len(captured.body),
        "summary": summarize(rounds),
    }


def save_report(report: dict[str, Any], prefix: str, started: dt.datetime) -> Path:
    """Write ``report`` to ``bench/results/<prefix><UTC time>.json`` (git-ignored); its path."""
    results_dir = BENCH_DIR / "results"
    results_dir.mkdir(exist_ok=True)
    out = results_dir / f"{prefix}{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    generator = choose_generator(args.load_generator)
    scenarios = args.scenario.split(",")
    endpoints = [as_endpoint(ep) for name in scenarios for ep in SCENARIOS[name]]
    per_endpoint = len(TARGETS) * (args.warmup + args.rounds * args.duration)
    print(
        f"load generator: {wrk_version() if generator == 'wrk' else PYTHON_GENERATOR};"
        f" {len(endpoints)} endpoint(s) x 3 targets x {args.rounds} rounds x {args.duration} s,"
        f" {args.connections} connections: about {len(endpoints) * per_endpoint + 10 * len(endpoints)} s",
        flush=True,
    )
    civicapi = BIN / "civicapi"
    if not civicapi.exists():
        sys.exit(f"{civicapi} not found: run this script with the project's virtualenv python")
    workdir = Path(tempfile.mkdtemp(prefix="civicapi-bench-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir}/bench.db"
    env = {**os.environ, "CIVICAPI_DATABASE_URL": database_url, "CIVICAPI_LOG_LEVEL": "WARNING"}
    servers = Servers()
    started = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()
    try:
        with terminate_on_sigterm():
            for step in (["migrate", "upgrade"], ["seed-demo"]):
                subprocess.run(
                    [str(civicapi), *step], cwd=workdir, env=env, check=True, timeout=300, capture_output=True
                )
            placeholders = run_setup(scenarios, env, workdir)
            real = start_server(servers, "civicapi", [str(civicapi), "serve"], env, workdir, "/health/ready")
            results = [
                bench_endpoint(servers, real, ep, args, generator, workdir, placeholders) for ep in endpoints
            ]
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the servers", file=sys.stderr)
        return 130
    except subprocess.CalledProcessError as exc:
        print(f"{exc.cmd} failed:\n{exc.stdout.decode()}\n{exc.stderr.decode()}", file=sys.stderr)
        return 1
    finally:
        servers.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)

    table = markdown(results)
    report = {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/run.py", *(argv or sys.argv[1:])]),
        "machine": machine_info(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "load_generator": generator,
        "load_generator_version": wrk_version() if generator == "wrk" else PYTHON_GENERATOR,
        "database": "postgresql" if database_url.startswith("postgresql") else "sqlite",
        "database_url": redact(database_url),
        "options": {k: getattr(args, k) for k in ("duration", "connections", "rounds", "warmup", "threads")},
        "scenario": args.scenario,
        "endpoints": results,
        "markdown": table,
    }
    out = save_report(report, "", started)
    m = report["machine"]
    print(
        f"\n{m['nproc']} CPUs ({m['cpu_model']}), Python {m['python']}, {report['database']},"
        f" load generator {report['load_generator_version']}, loadavg {report['loadavg_before'][0]}"
        f" -> {report['loadavg_after'][0]}\n"
    )
    print(table)
    print(f"\nresults: {out.relative_to(BENCH_DIR.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
