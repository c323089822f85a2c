"""Admission control: a worker works on at most ``max_in_flight`` requests at once; one more waits for a slot
a little, then gets a 503 problem to retry, and the health probes and cached answers are never refused."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from civicapi.config import Settings
from civicapi.core.admission import AdmissionMiddleware
from civicapi.core.db.session import Database
from civicapi.main import create_app
from civicapi.registry import load_modules
from tests.fixtures.factories import World


async def _held_request(app: Any, path: str, release: asyncio.Event, started: asyncio.Event) -> int:
    """A POST whose body arrives only once ``release`` is set: it holds its slot until then."""
    status: dict[str, int] = {}
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }

    async def receive() -> Message:
        started.set()
        await release.wait()
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            status["status"] = message["status"]

    await app(scope, receive, send)
    return status["status"]


async def test_a_request_beyond_the_bound_gets_a_503_problem_and_changes_nothing(
    settings: Settings, db: Database, world: World
) -> None:
    bounded = settings.model_copy(update={"max_in_flight": 1, "admission_wait_seconds": 0.05})
    app = create_app(bounded, registry=load_modules(None), database=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    release, started = asyncio.Event(), asyncio.Event()
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/v1/communes/alpha")).status_code == 200  # now kept by the response cache
        holder = asyncio.create_task(_held_request(app, "/v1/auth/token", release, started))
        await started.wait()
        admin = world.headers("admin")
        refused = await client.patch("/v1/communes/alpha", json={"name": "Not now"}, headers=admin)
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.headers["x-request-id"]
        assert refused.json()["type"] == "/problems/overloaded"
        # The probes and the kept answers are still served.
        assert (await client.get("/health/live")).status_code == 200
        assert (await client.get("/v1/communes/alpha")).status_code == 200
        release.set()
        assert await holder == 422  # the held request was served once its body came
        got = await client.get("/v1/communes/alpha", headers=admin)
        assert got.status_code == 200 and got.json()["name"] != "Not now"
        retried = await client.patch("/v1/communes/alpha", json={"name": "Now"}, headers=admin)
        assert retried.status_code == 200, retried.text


def _slow(seconds: float, seen: list[int] | None = None) -> ASGIApp:
    """An app answering 200 after ``seconds``; ``seen`` gets how many ran at once, at each start."""
    running = 0

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal running
        running += 1
        if seen is not None:
            seen.append(running)
        await asyncio.sleep(seconds)
        running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


async def _fifty(middleware: AdmissionMiddleware) -> list[int]:
    transport = httpx.ASGITransport(app=middleware)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answers = await asyncio.gather(*(client.get(f"/v1/x/{i}") for i in range(50)))
    return sorted(a.status_code for a in answers)


@pytest.mark.parametrize("round_", range(3))
async def test_fifty_racing_requests_never_exceed_the_bound_and_all_are_served(round_: int) -> None:
    seen: list[int] = []
    middleware = AdmissionMiddleware(_slow(0.005, seen), limit=5, wait_seconds=5)
    assert await _fifty(middleware) == [200] * 50
    assert max(seen) == 5
    assert middleware.in_flight == 0 and middleware.refused == 0


async def test_under_overload_the_excess_is_refused_quickly_and_the_bound_recovers() -> None:
    middleware = AdmissionMiddleware(_slow(0.2), limit=5, wait_seconds=0.05)
    assert await _fifty(middleware) == [200] * 5 + [503] * 45
    assert middleware.refused == 45 and middleware.in_flight == 0
    assert await _fifty(middleware) == [200] * 5 + [503] * 45  # the slots were all given back


async def test_a_bound_of_zero_admits_everything() -> None:
    seen: list[int] = []
    assert await _fifty(AdmissionMiddleware(_slow(0.01, seen), limit=0, wait_seconds=0)) == [200] * 50
    assert max(seen) == 50
