"""Pure-ASGI middleware: request id, security headers, body size limit, access log.

Written as raw ASGI (not ``BaseHTTPMiddleware``) so they add almost nothing to each request.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from civicapi.core.errors import PROBLEM_MEDIA_TYPE

access_log = logging.getLogger("civicapi.access")

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=()"),
]
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
DOCS_CSP = (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; frame-ancestors 'none'",
)

NO_STORE = (b"cache-control", b"no-store")
"""Every API answer that does not state its own caching policy: tokens, keys, a person's data, problems.
Only endpoints that chose to be cacheable (public pages for anonymous callers: ``core.cache``) say
otherwise, so a new route that returns a secret is never kept by a browser or a proxy by default."""


async def send_problem(
    send: Send, problem: dict[str, Any], headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """Answer with ``problem`` (an RFC 9457 document) from raw ASGI, before FastAPI is reached."""
    body = json.dumps(problem).encode()
    await send(
        {
            "type": "http.response.start",
            "status": problem["status"],
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


PERSONAL_PATH_PARAMS = frozenset({"user_id"})
"""Path parameters that name a person: the access log shows the parameter's name instead of its value (a
log outlives an erased account; resource ids stay, they name no one)."""


def _loggable_path(scope: Scope) -> str:
    path: str = scope.get("path", "")
    params: dict[str, Any] = scope.get("path_params") or {}
    for name in PERSONAL_PATH_PARAMS & params.keys():
        value = str(params[name])
        path = "/".join("{" + name + "}" if part == value else part for part in path.split("/"))
    return path


def replay(body: bytes, receive: Receive, *, more: bool = False, then: Message | None = None) -> Receive:
    """``receive`` as an application would have seen it, for a body a middleware read first: the body in
    one message (``more``: the rest is still to come from ``receive``), then ``then`` (the message that
    cut the reading short: the client leaving), then whatever ``receive`` gives next."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": more}]
    if then is not None:
        pending.append(then)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def _valid_request_id(raw: bytes) -> bool:
    return 0 < len(raw) <= 128 and all(32 < b < 127 for b in raw)


class RequestContextMiddleware:
    """Gives every request an id (kept from ``X-Request-ID`` when sane), echoes it, adds security headers
    (``Cache-Control: no-store`` unless the answer has its own policy), serves ``HEAD`` as the ``GET`` it
    asks about without its body, and logs one line per request."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        request_id = incoming.decode() if _valid_request_id(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status_holder: dict[str, int] = {}
        path: str = scope.get("path", "")
        is_docs = path.startswith(("/docs", "/static/docs")) or path == "/openapi.json"
        method = scope.get("method")
        head = method == "HEAD"
        if head:  # served as the GET it asks about, without the body (RFC 9110 §9.3.2)
            scope = {**scope, "method": "GET"}

        async def send_wrapper(message: Message) -> None:
            if head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                headers.append(DOCS_CSP if is_docs else API_CSP)
                if not is_docs and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append(NO_STORE)
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            path = _loggable_path(scope)  # routing put the path parameters in the scope
            access_log.info(
                "%s %s %s",
                method,
                path,
                status_holder.get("status", 500),
                extra={
                    "request_id": request_id,
                    "method": method,
                    "path": path,
                    "status": status_holder.get("status", 500),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )


class BodySizeLimitMiddleware:
    """Refuses bodies larger than ``max_bytes`` with a 413 problem document, whether the size is announced
    in ``Content-Length`` or only discovered while streaming. Import routes (``is_import(scope)``, asked
    only when a body passes ``max_bytes``) accept up to ``import_bytes``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        import_bytes: int | None = None,
        is_import: Callable[[Scope], bool] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.import_bytes = max(import_bytes or max_bytes, max_bytes)
        self.is_import = is_import

    def _limit(self, scope: Scope) -> int:
        """The limit of this request once its body is past ``max_bytes``."""
        if self.import_bytes > self.max_bytes and self.is_import is not None and self.is_import(scope):
            return self.import_bytes
        return self.max_bytes

    async def _reject(self, scope: Scope, send: Send, limit: int) -> None:
        problem = {
            "type": "/problems/payload-too-large",
            "title": "Payload Too Large",
            "status": 413,
            "detail": f"the request body exceeds {limit} bytes",
            "instance": scope.get("path", ""),
            "max_bytes": limit,
        }
        await send_problem(send, problem)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None:
            try:
                announced = int(length)
            except ValueError:
                announced = -1
            if announced > limit:
                limit = self._limit(scope)
            if announced < 0 or announced > limit:
                await self._reject(scope, send, limit)
                return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, limit
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and limit == self.max_bytes:
                    limit = self._limit(scope)
                if received > limit:
                    # An HTTPException passes through FastAPI's body parsing and is rendered as a problem.
                    raise _BodyTooLarge(413, f"the request body exceeds {limit} bytes")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started:
                await self._reject(scope, send, limit)


class _BodyTooLarge(StarletteHTTPException):
    pass


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line, with the request context fields when present."""

    _EXTRA = ("request_id", "method", "path", "status", "duration_ms", "event", "event_id")

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in self._EXTRA:
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
