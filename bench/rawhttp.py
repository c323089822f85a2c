"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for the load generators of ``bench/``.

httpx costs more CPU per request than the servers it measures on a 2-core machine (its async pool delivered
100-300 requests/s against a server ``wrk`` drives at 10,000), which would cap and flatter every figure.
This sends pre-built request bytes and reads ``Content-Length`` bodies, nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]
IDLE_SECONDS = 2.0
"""A connection idle longer is closed rather than reused: the server (uvicorn, 5 s keep-alive) may be closing
it at that very moment, which would count as an error that is the client's doing."""


class Pool:
    """Keep-alive HTTP/1.1 connections to one server, opened on demand up to ``limit``."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port, self.limit = host, port, limit
        self.idle: list[tuple[float, Conn]] = []
        self.opened = 0
        self.available = asyncio.Condition()

    async def acquire(self) -> Conn:
        async with self.available:
            while not self.idle and self.opened >= self.limit:
                await self.available.wait()
            while self.idle:
                since, conn = self.idle.pop()  # the most recently used first
                if time.monotonic() - since < IDLE_SECONDS:
                    return conn
                conn[1].close()
                self.opened -= 1
            self.opened += 1
        try:
            return await asyncio.open_connection(self.host, self.port)
        except OSError:
            await self.discard()
            raise

    async def release(self, conn: Conn) -> None:
        async with self.available:
            self.idle.append((time.monotonic(), conn))
            self.available.notify()

    async def discard(self, conn: Conn | None = None) -> None:
        if conn is not None:
            conn[1].close()
        async with self.available:
            self.opened -= 1
            self.available.notify()


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive request and its whole response; returns the status."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


def build_request(method: str, path: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "User-Agent: civicapi-soak"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by process ``pid`` and its children (uvicorn workers), from
    ``/proc`` (Linux); 0.0 where it cannot be read."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total
