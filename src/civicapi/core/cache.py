"""A small shared response cache for public reads, in front of the application.

Anonymous residents and portals read the same pages over and over (the first page of a call for ideas, a
budget's projects, the accountability summary). An endpoint that answers the same bytes to every anonymous
caller marks its response with :func:`mark_public` (``Cache-Control: public, max-age=N``, which also lets a
CDN or a reverse proxy keep it). :class:`ResponseCacheMiddleware` then keeps that response in memory and
answers the next identical anonymous request from it, without touching the framework or the database.

Freshness, in this order:

* an entry is valid only while the database's write generation (:attr:`Database.generation`, bumped after
  every commit that may have changed data in this process) is the one read when the request started: a
  write through this process is visible to the very next read (read-your-writes);
* an entry lives at most ``max-age`` seconds (``CIVICAPI_RESPONSE_CACHE_SECONDS``): this bounds how long a
  write made by *another* process (a second worker, the CLI) or the turn of a phase at midnight takes to
  show.

Only ``GET`` requests without credentials (``Authorization``, ``X-API-Key``, ``Cookie``) are served from
or stored in the cache, only ``200`` answers, and only those the endpoint marked public: anything
personal is never shared.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass

from fastapi import Depends
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from civicapi.core.db.session import Database

CREDENTIAL_HEADERS = frozenset({b"authorization", b"x-api-key", b"cookie"})
MAX_ENTRY_BYTES = 256 * 1024
"""Larger answers (big exports) are not kept."""


def is_anonymous(request: Request) -> bool:
    """Whether the request carries no credentials at all (so its answer may be shared)."""
    return not any(name in CREDENTIAL_HEADERS for name, _ in request.scope["headers"])


def mark_public(request: Request, response: Response) -> None:
    """Mark the answer to an anonymous request as shareable for the configured time (no-op otherwise).

    Call it only where the body depends on nothing but the URL and the database: never on who asks."""
    seconds = request.app.state.settings.response_cache_seconds
    if seconds > 0 and is_anonymous(request):
        response.headers["Cache-Control"] = f"public, max-age={seconds}"
        # A proxy must not answer a caller with credentials (or another language) from this answer.
        response.headers["Vary"] = "Authorization, X-API-Key, Cookie, Accept-Language"


async def _public_when_anonymous(request: Request, response: Response) -> None:
    mark_public(request, response)


PUBLIC_WHEN_ANONYMOUS = Depends(_public_when_anonymous)
"""Route dependency (``dependencies=[PUBLIC_WHEN_ANONYMOUS]``) for JSON reads whose anonymous answer is the
same for everyone: marks it public, so the cache and any proxy may keep it for a moment."""


CacheKey = tuple[bytes, bytes, bytes]
"""Raw path, query string, ``Accept-Language``."""


@dataclass(slots=True)
class _Entry:
    generation: int
    expires: float
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class ResponseCacheMiddleware:
    """Pure-ASGI, in-memory, least-recently-used cache of public ``GET`` answers (see the module notes)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        db: Database,
        seconds: int,
        max_entries: int = 2048,
        max_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.app = app
        self.db = db
        self.seconds = seconds
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        """Bodies kept, in total: the least recently used go first past ``max_bytes``."""
        self.entries: OrderedDict[CacheKey, _Entry] = OrderedDict()
        self.in_flight: dict[CacheKey, tuple[int, asyncio.Future[_Entry | None]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.seconds <= 0
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or any(name in CREDENTIAL_HEADERS for name, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        key = (
            scope.get("raw_path") or scope["path"].encode(),
            scope["query_string"],
            next((v for k, v in scope["headers"] if k == b"accept-language"), b""),
        )
        generation = self.db.generation
        entry = self.entries.get(key)
        if entry is not None:
            if entry.generation == generation and entry.expires > time.monotonic():
                self.entries.move_to_end(key)
                await _replay(entry, send, _if_none_match(scope))
                return
            self.forget(key)
        flight = self.in_flight.get(key)
        if flight is not None and flight[0] == generation:
            # The same page is being computed from the same data: wait for it rather than compute it again
            # (when an entry expires under load, every waiting request would otherwise miss at once).
            shared = await asyncio.shield(flight[1])
            if shared is not None:
                await _replay(shared, send)
                return
            await self.app(scope, receive, send)  # that answer was not shareable: compute our own
            return
        done: asyncio.Future[_Entry | None] = asyncio.get_running_loop().create_future()
        self.in_flight[key] = (generation, done)
        recorder = _Recorder(self, key, generation, send)
        try:
            await self.app(scope, receive, recorder)
        finally:
            if self.in_flight.get(key) == (generation, done):
                del self.in_flight[key]
            done.set_result(recorder.entry)

    def store(self, key: CacheKey, entry: _Entry) -> None:
        self.forget(key)
        self.entries[key] = entry
        self.bytes += len(entry.body)
        while self.entries and (len(self.entries) > self.max_entries or self.bytes > self.max_bytes):
            _, oldest = self.entries.popitem(last=False)
            self.bytes -= len(oldest.body)

    def forget(self, key: CacheKey) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.bytes -= len(entry.body)


def _if_none_match(scope: Scope) -> set[bytes]:
    """The entity tags of the request's ``If-None-Match`` (weak ones compared as strong)."""
    value = next((v for k, v in scope["headers"] if k == b"if-none-match"), b"")
    return {tag.strip().removeprefix(b"W/") for tag in value.split(b",") if tag.strip()}


async def _replay(entry: _Entry, send: Send, known: set[bytes] | None = None) -> None:
    """The kept answer; a bare 304 when it has an ``ETag`` the caller already holds (``known``)."""
    etag = next((v for k, v in entry.headers if k == b"etag"), None)
    if known and etag is not None and etag.removeprefix(b"W/") in known:
        await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", etag)]})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": entry.status, "headers": entry.headers})
    await send({"type": "http.response.body", "body": entry.body})


class _Recorder:
    """Passes the answer through, and keeps it if it is a complete, public 200."""

    __slots__ = ("cache", "chunks", "entry", "generation", "key", "send", "size", "start")

    def __init__(self, cache: ResponseCacheMiddleware, key: CacheKey, generation: int, send: Send):
        self.cache = cache
        self.key = key
        self.generation = generation
        self.send = send
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.size = 0
        self.entry: _Entry | None = None
        """What was stored, for the requests that waited for this one."""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            # A copy, taken now: the outer middleware adds this request's own headers (its request id) to
            # the message it is given, and those must not be replayed to the next caller.
            self.start = (
                {**message, "headers": list(message.get("headers", []))} if _shareable(message) else None
            )
        elif message["type"] == "http.response.body" and self.start is not None:
            body = message.get("body", b"")
            self.size += len(body)
            if self.size > MAX_ENTRY_BYTES:
                self.start = None
            else:
                self.chunks.append(body)
                if not message.get("more_body", False):
                    self.entry = _Entry(
                        generation=self.generation,
                        expires=time.monotonic() + self.cache.seconds,
                        status=self.start["status"],
                        headers=self.start["headers"],
                        body=b"".join(self.chunks),
                    )
                    self.cache.store(self.key, self.entry)
        await self.send(message)


def _shareable(start: Message) -> bool:
    if start["status"] != 200:
        return False
    public = False
    for name, value in start.get("headers", []):
        lowered = name.lower()
        if lowered == b"set-cookie":
            return False
        if lowered == b"cache-control":
            directives = {d.strip() for d in value.lower().split(b",")}
            public = b"public" in directives and not directives & {b"private", b"no-store", b"no-cache"}
    return public
