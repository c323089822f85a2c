"""Slow request bodies: a deadline answers them 408 and closes their connection, and while they dribble
they hold no admission slot. Tested on a real server (uvicorn on a loopback port) with raw sockets."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.main import create_app
from civicapi.registry import load_modules
from tests.fixtures.factories import build_world

DEADLINE = 1.0
SLOW_CLIENTS = 40  # more than the admission bound (32)


@pytest.fixture(params=["h11", "httptools"])
async def served(request: pytest.FixtureRequest, settings: Settings, db: Database) -> AsyncIterator[Any]:
    """The app with admission control on, served by uvicorn on a free loopback port: (app, port)."""
    tuned = settings.model_copy(
        update={
            "max_in_flight": 32,
            "max_body_bytes": 1_048_576,  # the default: a 100 kB body is acceptable, only slow
            "request_read_timeout_seconds": DEADLINE,
        }
    )
    app = create_app(tuned, registry=load_modules(None), database=db)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", log_level="warning", http=request.param)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):  # uvicorn offers no event for it
        if server.started:
            break
        await asyncio.sleep(0.01)
    yield app, sock.getsockname()[1]
    server.should_exit = server.force_exit = True  # connections a failed test left open do not hold it
    await asyncio.wait_for(task, 10)


async def _dribble(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100000\r\n\r\n{"email": "a'
    )
    await writer.drain()
    return reader, writer


async def test_slow_bodies_get_408_and_hold_no_admission_slot(served: Any, db: Database) -> None:
    app, port = served
    world = await build_world(db, app)
    started = time.monotonic()
    slow = [await _dribble(port) for _ in range(SLOW_CLIENTS)]
    await asyncio.sleep(0.2)  # every slow request is in the server, waiting for its body
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        asked = time.monotonic()
        me = await client.get("/v1/me", headers=world.headers("participant"))
        answered_in = time.monotonic() - asked
        live = await client.get("/health/live")
    assert me.status_code == 200, me.text
    assert answered_in < DEADLINE / 2, answered_in
    assert live.status_code == 200
    for reader, writer in slow:
        answer = await asyncio.wait_for(reader.read(), DEADLINE + 2)  # read() returns at end of stream
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"application/problem+json" in head.lower()
        assert b"/problems/request-timeout" in body
        writer.close()
    assert time.monotonic() - started < DEADLINE + 2.5, "each slow client was cut off at the deadline"


async def test_a_body_that_arrives_in_pieces_in_time_is_served(served: Any, db: Database) -> None:
    app, port = served
    await build_world(db, app)
    body = b'{"email": "admin@alpha.test.org", "password": "wrong-password"}'
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
    )
    for i in range(0, len(body), 16):  # four pieces, well within the deadline
        writer.write(body[i : i + 16])
        await writer.drain()
        await asyncio.sleep(0.05)
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 401 "), answer[:200]
