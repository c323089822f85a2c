"""Lanes: a module's shorter way through one busy route, taken only when it gives the answer the route
itself would give.

A lane sees the request (scope and whole body) before FastAPI does, inside every other middleware (request
id, CORS, the response cache, admission control and the body size limit still apply). It either answers
(the common, successful, case it knows how to serve) or declines, and the request goes on, body intact, to
the route, which serves everything else: errors, retries, rare configurations. A lane never answers with
an error of its own, so the route stays the single source of every problem document and of the OpenAPI
contract; and a lane that fails declines (logged), it never turns a request into a 500. Errors are logged
with their traceback at most once every :data:`ERROR_LOG_SECONDS` (a database outage would otherwise log one
per request while the route answers 503 anyway), with how many were not logged in between.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from starlette.types import ASGIApp, Receive, Scope, Send

from civicapi.core.http import replay

log = logging.getLogger(__name__)

ERROR_LOG_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class LaneAnswer:
    status: int
    body: bytes
    media_type: str = "application/json"
    headers: Sequence[tuple[bytes, bytes]] = field(default_factory=tuple)


class Lane(Protocol):
    def matches(self, method: str, path: str) -> bool:
        """Whether the lane may serve this request (cheap: no I/O)."""

    async def answer(self, scope: Scope, body: bytes) -> LaneAnswer | None:
        """The answer the route would give, or None to let the route serve the request. Raising is
        declining too. A lane must not raise once it has committed anything."""


class LaneMiddleware:
    def __init__(self, app: ASGIApp, lanes: Sequence[Lane]) -> None:
        self.app = app
        self.lanes = tuple(lanes)
        self.served = 0
        self.declined = 0
        self.errors = 0
        self._unlogged = 0
        self._logged_at: float | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.lanes:
            await self.app(scope, receive, send)
            return
        lane = next((x for x in self.lanes if x.matches(scope["method"], scope["path"])), None)
        if lane is None:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: the route sees it as it is
                await self.app(scope, replay(b"".join(chunks), receive, more=True, then=message), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            answer = await lane.answer(scope, body)
        except Exception:
            self._error(lane)
            answer = None
        if answer is None:
            self.declined += 1
            await self.app(scope, replay(body, receive), send)
            return
        self.served += 1
        headers = [
            (b"content-type", answer.media_type.encode()),
            (b"content-length", str(len(answer.body)).encode()),
            *answer.headers,
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    def _error(self, lane: Lane) -> None:
        """Count an error; log it, with its traceback, unless one was logged less than
        :data:`ERROR_LOG_SECONDS` ago (called while the exception is handled)."""
        self.errors += 1
        now = time.monotonic()
        if self._logged_at is not None and now - self._logged_at < ERROR_LOG_SECONDS:
            self._unlogged += 1
            return
        more = f" ({self._unlogged} more since the last one logged)" if self._unlogged else ""
        log.warning("lane %s declined after an error%s", type(lane).__name__, more, exc_info=True)
        self._logged_at, self._unlogged = now, 0
