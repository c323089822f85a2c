"""Admission control: how many requests one worker works on at once, and a quick 503 beyond that.

Without it, a worker takes on every request it is sent. When requests arrive faster than it can serve
them (a rush before a vote closes, or a slower machine for a while), each request waits longer, holds its
database connection longer, and clients start giving up; the worker then spends its time finishing
requests nobody waits for any more, and stays behind even once the rush is over. The soak benchmark
showed exactly that: a minute of overload, then ten-second answers for the rest of the run.

:class:`AdmissionMiddleware` bounds the requests in progress in this worker (``limit``). A request beyond
the bound waits for a slot for at most ``wait_seconds``; if none frees up in time it gets a 503 problem
document with ``Retry-After``, having cost almost nothing. The requests admitted keep short latencies, the
work done is work someone still waits for, and the worker catches up as soon as the rush ends.

Answers from the response cache never reach this middleware (they cost about as little as a refusal), and
the health probes are never refused.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

from civicapi.core.errors import problem_type
from civicapi.core.http import send_problem

EXEMPT_PREFIXES = ("/health/",)
OVERLOADED = problem_type(
    "overloaded",
    "The server is busy with more requests than it takes on at once; retry after `Retry-After` seconds.",
)


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, wait_seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self._slots = asyncio.Semaphore(limit) if limit > 0 else None
        self.in_flight = 0
        """Requests being worked on now (those bounded by ``limit``)."""
        self.refused = 0
        """Requests refused since the process started."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        slots = self._slots
        if slots is None or scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        if slots.locked():  # no free slot: wait a little, in turn, then give up
            try:
                await asyncio.wait_for(slots.acquire(), self.wait_seconds)
            except TimeoutError:
                self.refused += 1
                await self._refuse(scope, send)
                return
        else:
            await slots.acquire()  # a free slot: taken at once, without suspending
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            slots.release()

    async def _refuse(self, scope: Scope, send: Send) -> None:
        problem = {
            "type": OVERLOADED,
            "title": "Service Unavailable",
            "status": 503,
            "detail": "the server is busy with other requests; retry in a moment",
            "instance": scope.get("path", ""),
        }
        await send_problem(send, problem, [(b"retry-after", b"1")])
