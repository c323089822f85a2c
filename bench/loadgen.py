"""Load generators for bench/run.py: ``wrk`` when installed, else a bounded asyncio-streams client.

Both keep ``connections`` keep-alive connections busy for ``duration`` seconds (closed loop) and return a
:class:`LoadResult`. Every run is bounded in time (and the Python one also in request count).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Prints one JSON line at the end of a wrk run; latencies are in microseconds.
WRK_LUA = """
wrk.method = os.getenv("BENCH_METHOD") or "GET"
-- Extra request headers, one "Name: value" per line.
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end
-- A file of paths (one per line): each request takes the next one, in turn.
local paths_file = os.getenv("BENCH_PATHS")
if paths_file then
  local paths = {}
  for path in io.lines(paths_file) do
    if #path > 0 then paths[#paths + 1] = path end
  end
  local counter = 0
  request = function()
    counter = counter + 1
    return wrk.format(nil, paths[(counter - 1) % #paths + 1])
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,"connect_errors":%.0f,' ..
    '"read_errors":%.0f,"write_errors":%.0f,"status_errors":%.0f,"timeout_errors":%.0f,' ..
    '"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,"mean_us":%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""

PYTHON_MAX_REQUESTS = 5_000_000  # hard cap on the Python generator, whatever the duration


def request_timeout() -> float:
    """Seconds a request may take before it counts as an error: ``CIVICAPI_BENCH_REQUEST_TIMEOUT``, default
    5 (longer for endpoints that take seconds, e.g. bench/surveys_results.py)."""
    return float(os.environ.get("CIVICAPI_BENCH_REQUEST_TIMEOUT", "5"))


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version() -> str:
    path = wrk_path()
    if path is None:
        return "absent"
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=False)
    first = (out.stdout or out.stderr or "wrk").splitlines()[0]
    return first.split(" Copyright")[0].strip()


def _header_lines(headers: dict[str, str] | None) -> str:
    return "".join(f"{name}: {value}\n" for name, value in (headers or {}).items())


def run_wrk(
    url: str,
    *,
    method: str,
    duration: float,
    connections: int,
    threads: int,
    headers: dict[str, str] | None = None,
    paths_file: Path | None = None,
) -> LoadResult:
    path = wrk_path()
    if path is None:
        raise RuntimeError("wrk is not installed")
    with tempfile.TemporaryDirectory(prefix="civicapi-wrk-") as tmp:
        script = Path(tmp) / "report.lua"
        script.write_text(WRK_LUA, encoding="utf-8")
        cmd = [
            path,
            f"--threads={max(1, min(threads, connections))}",
            f"--connections={connections}",
            f"--duration={max(1, round(duration))}s",
            f"--timeout={request_timeout():g}s",
            f"--script={script}",
            url,
        ]
        env = {**os.environ, "BENCH_METHOD": method, "BENCH_HEADERS": _header_lines(headers)}
        if paths_file is not None:
            env["BENCH_PATHS"] = str(paths_file)
        out = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=duration + 30 + request_timeout(),
            check=False,
            env=env,
        )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout}\n{out.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = data["duration_us"] / 1e6
    errors = sum(
        int(data[k])
        for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeout_errors")
    )
    return LoadResult(
        requests=int(data["requests"]),
        seconds=round(seconds, 3),
        rps=round(data["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=round(data["p50_us"] / 1000, 3),
        p90_ms=round(data["p90_us"] / 1000, 3),
        p99_ms=round(data["p99_us"] / 1000, 3),
        max_ms=round(data["max_us"] / 1000, 3),
        errors=errors,
    )


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return math.nan
    index = min(len(sorted_values) - 1, max(0, math.ceil(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


class _HTTPError(Exception):
    pass


async def _one_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """Send one keep-alive request and read the whole response; returns the status code."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            raise _HTTPError("the server closed the connection")
    if length is None:
        raise _HTTPError("response without content-length")
    await reader.readexactly(length)
    return status


async def _python_load(
    url: str,
    *,
    method: str,
    duration: float,
    connections: int,
    headers: dict[str, str] | None = None,
    paths: list[str] | None = None,
) -> LoadResult:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    body_headers = "Content-Length: 0\r\n" if method in {"POST", "PUT", "PATCH"} else ""

    def build(target: str) -> bytes:
        return (
            f"{method} {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: civicapi-bench\r\n"
            f"{extra}{body_headers}\r\n"
        ).encode()

    requests = (
        [build(p) for p in paths]
        if paths
        else [build(parts.path + (f"?{parts.query}" if parts.query else ""))]
    )
    sent = 0
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal errors, sent
        writer: asyncio.StreamWriter | None = None
        try:
            while time.perf_counter() < deadline and len(latencies) + errors < PYTHON_MAX_REQUESTS:
                try:
                    async with asyncio.timeout(request_timeout()):
                        if writer is None:
                            reader, writer = await asyncio.open_connection(host, port)
                        started = time.perf_counter()
                        request = requests[sent % len(requests)]
                        sent += 1
                        status = await _one_request(reader, writer, request)
                except (
                    OSError,
                    TimeoutError,
                    ValueError,
                    IndexError,
                    asyncio.IncompleteReadError,
                    _HTTPError,
                ):
                    errors += 1
                    if writer is not None:
                        writer.close()
                    writer = None
                    continue
                if status >= 400:
                    errors += 1
                else:
                    latencies.append(time.perf_counter() - started)
        finally:
            if writer is not None:
                writer.close()

    started = time.perf_counter()
    tasks = [asyncio.create_task(worker()) for _ in range(connections)]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=duration + 15 + request_timeout())
    finally:
        for task in tasks:
            task.cancel()
    seconds = time.perf_counter() - started
    latencies.sort()
    return LoadResult(
        requests=len(latencies),
        seconds=round(seconds, 3),
        rps=round(len(latencies) / seconds, 1) if seconds else 0.0,
        p50_ms=round(_percentile(latencies, 50) * 1000, 3),
        p90_ms=round(_percentile(latencies, 90) * 1000, 3),
        p99_ms=round(_percentile(latencies, 99) * 1000, 3),
        max_ms=round((latencies[-1] if latencies else math.nan) * 1000, 3),
        errors=errors,
    )


def run_python(
    url: str,
    *,
    method: str,
    duration: float,
    connections: int,
    headers: dict[str, str] | None = None,
    paths_file: Path | None = None,
) -> LoadResult:
    """The fallback generator: a minimal keep-alive HTTP/1.1 client on asyncio streams (uvloop if present).

    httpx was measured first and rejected: its async pool delivered 100-300 requests/s against a bare
    ASGI server that wrk drives at ~10,000, so it would measure itself, not the servers.
    """
    paths = None
    if paths_file is not None:
        paths = [line for line in paths_file.read_text(encoding="utf-8").splitlines() if line]
    coro = _python_load(
        url, method=method, duration=duration, connections=connections, headers=headers, paths=paths
    )
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


PYTHON_GENERATOR = "python asyncio streams (minimal HTTP/1.1 keep-alive client)"


def run_load(
    generator: str,
    url: str,
    *,
    method: str,
    duration: float,
    connections: int,
    threads: int,
    headers: dict[str, str] | None = None,
    paths_file: Path | None = None,
) -> LoadResult:
    """Load ``url`` (with ``paths_file``: each request takes the next path of the file, on url's host)."""
    if generator == "wrk":
        return run_wrk(
            url,
            method=method,
            duration=duration,
            connections=connections,
            threads=threads,
            headers=headers,
            paths_file=paths_file,
        )
    return run_python(
        url, method=method, duration=duration, connections=connections, headers=headers, paths_file=paths_file
    )
