"""A deadline for receiving a request's body, before the request takes an admission slot.

A client that announces a body and then sends it slowly (or a few bytes, then nothing) would otherwise hold
whatever the request holds while the endpoint waits for its body: an admission slot (forty such sockets
and a worker answers every other request 503 ``overloaded``), a database connection, memory. No login is
needed for that: ``POST /v1/auth/token`` reads its body.

:class:`RequestReadDeadlineMiddleware` sits outside admission control. A request that has a body is read
whole first (up to the body size limit), within ``seconds``; then the request goes on, its body replayed
to the application as one message, and only then competes for a slot. A body not received in time gets a
408 problem document with ``Connection: close``, and the server closes the connection. A body larger than
the limit is handed on as it comes, so that the size limit answers 413 at once. Requests without a body
(GET, DELETE ...) pass untouched: they cost nothing more.

Slow *headers* never reach the application (the server parses them first); uvicorn has no deadline for
them, which is why a production deployment runs behind a reverse proxy with its own timeouts (README,
"Deploying").
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from civicapi.core.errors import problem_type
from civicapi.core.http import replay, send_problem

REQUEST_TIMEOUT = problem_type(
    "request-timeout",
    "The request's body did not arrive within the server's deadline; the connection is closed. Send the "
    "whole request at once.",
)


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return value.strip() not in (b"0", b"")
        if name == b"transfer-encoding":
            return True
    return False


class RequestReadDeadlineMiddleware:
    def __init__(self, app: ASGIApp, *, seconds: float, max_bytes: int) -> None:
        self.app = app
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.timed_out = 0
        """Requests refused since the process started because their body came too slowly."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.seconds <= 0 or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        try:
            async with asyncio.timeout(self.seconds):
                last = await self._read(receive, chunks)
        except TimeoutError:
            self.timed_out += 1
            await self._refuse(scope, send)
            return
        more = last is not None  # the client left, or the body passed the size limit: the rest follows
        then = last if last is not None and last["type"] != "http.request" else None
        await self.app(scope, replay(b"".join(chunks), receive, more=more, then=then), send)

    async def _read(self, receive: Receive, chunks: list[bytes]) -> Message | None:
        """Read the body into ``chunks``; the message that stopped the reading early (the client left, or
        the body passed the size limit while more was coming), or None once the body is complete."""
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message
            body = message.get("body", b"")
            chunks.append(body)
            size += len(body)
            if not message.get("more_body", False):
                return None
            if size > self.max_bytes:
                return {"type": "http.request", "body": b"", "more_body": True}

    async def _refuse(self, scope: Scope, send: Send) -> None:
        problem = {
            "type": REQUEST_TIMEOUT,
            "title": "Request Timeout",
            "status": 408,
            "detail": f"the request body did not arrive within {self.seconds:g} seconds",
            "instance": scope.get("path", ""),
        }
        await send_problem(send, problem, [(b"connection", b"close")])
