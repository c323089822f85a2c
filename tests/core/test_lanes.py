"""LaneMiddleware: a lane answers, or the request reaches the app with its body intact (also when the lane
fails, and when the body came in several chunks or the client left halfway)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from civicapi.core import lanes
from civicapi.core.lanes import LaneAnswer, LaneMiddleware


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """The 'route': answers 200 with the body it received."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-by", b"route")]})
    await send({"type": "http.response.body", "body": body})


class Lane:
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.seen: list[bytes] = []

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and path == "/fast"

    async def answer(self, scope: Scope, body: bytes) -> LaneAnswer | None:
        self.seen.append(body)
        if self.mode == "raise":
            raise RuntimeError("boom")
        if self.mode == "decline":
            return None
        return LaneAnswer(201, b'{"by":"lane"}', headers=[(b"x-by", b"lane")])


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


@pytest.mark.parametrize("mode", ["decline", "raise"])
async def test_a_declined_request_reaches_the_route_with_its_body(mode: str) -> None:
    lane = Lane(mode)
    middleware = LaneMiddleware(echo, [lane])
    async with client(middleware) as c:
        r = await c.post("/fast", content=b'{"projects": [1, 2]}')
    assert (r.status_code, r.content, r.headers["x-by"]) == (200, b'{"projects": [1, 2]}', "route")
    assert lane.seen == [b'{"projects": [1, 2]}']
    assert (middleware.served, middleware.declined) == (0, 1)


async def test_a_served_request_never_reaches_the_route() -> None:
    lane = Lane("serve")
    middleware = LaneMiddleware(echo, [lane])
    async with client(middleware) as c:
        r = await c.post("/fast", content=b"{}")
        other = await c.post("/slow", content=b"abc")
    assert (r.status_code, r.content, r.headers["x-by"]) == (201, b'{"by":"lane"}', "lane")
    assert r.headers["content-type"] == "application/json"
    assert (other.status_code, other.content) == (200, b"abc")  # not the lane's path: never read by it
    assert lane.seen == [b"{}"] and middleware.served == 1


async def test_chunked_and_cut_bodies_are_replayed_as_received() -> None:
    lane = Lane("decline")
    middleware = LaneMiddleware(echo, [lane])
    scope = {"type": "http", "method": "POST", "path": "/fast", "headers": []}
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def run(messages: list[Message]) -> list[Message]:
        pending = list(messages)

        async def receive() -> Message:
            return pending.pop(0) if pending else {"type": "http.disconnect"}

        sent.clear()
        await middleware(scope, receive, send)
        return list(sent)

    chunks: list[Message] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": False},
    ]
    assert (await run(chunks))[-1]["body"] == b"abcd"
    assert lane.seen == [b"abcd"]

    received: list[Message] = []

    async def recorder(scope: Scope, receive: Receive, send: Send) -> None:
        received.extend([await receive(), await receive()])

    cut = LaneMiddleware(recorder, [lane])

    async def receive_cut() -> Message:
        return messages.pop(0)

    messages: list[Message] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.disconnect"},
    ]
    await cut(scope, receive_cut, send)
    assert received == [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.disconnect"},
    ]
    assert len(lane.seen) == 1  # a cut body is never offered to the lane


async def test_lane_errors_are_logged_once_a_minute_with_how_many_were_not(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lane failing on every request (the database down) logs its traceback once per
    ``ERROR_LOG_SECONDS``, then says how many errors it did not log; every request still reaches the route."""
    clock = [1000.0]
    monkeypatch.setattr(lanes.time, "monotonic", lambda: clock[0])
    middleware = LaneMiddleware(echo, [Lane("raise")])
    async with client(middleware) as c:
        for _ in range(5):
            assert (await c.post("/fast", content=b"{}")).status_code == 200
        clock[0] += lanes.ERROR_LOG_SECONDS
        assert (await c.post("/fast", content=b"{}")).status_code == 200
    logged = [r for r in caplog.records if r.name == lanes.__name__]
    assert len(logged) == 2 and all(r.exc_info for r in logged)
    assert "more" not in logged[0].getMessage() and "(4 more since" in logged[1].getMessage()
    assert (middleware.errors, middleware.declined, middleware.served) == (6, 6, 0)
