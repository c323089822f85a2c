"""Refuse, before any route runs, text that PostgreSQL cannot store.

PostgreSQL's ``text`` has no U+0000 (asyncpg: ``CharacterNotInRepertoireError``) and its ``jsonb`` refuses
the ``\\u0000`` escape and unpaired UTF-16 surrogates (``unsupported Unicode escape``); SQLite stores all
three, so without a check the same request is a 201 on one backend and a 500 on the other. One raw ASGI
middleware looks at every string a client sends (the path, the query string, header values, and the body:
JSON bodies decoded, other text bodies as bytes) and answers a 422 ``invalid-input`` problem naming where
the character was, so routes, services and repositories never see one.

The body is checked cheaply: a raw NUL byte is a byte search, and a JSON body is decoded only when it holds
a ``\\u0000`` or ``\\ud8..``-``\\udf..`` escape (a surrogate pair, as emoji are written, is fine).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from civicapi.core.errors import InvalidInput
from civicapi.core.http import send_problem

CODE = "unstorable_character"
MESSAGE = "contains a character the database cannot store (U+0000 or an unpaired surrogate)"
_JSON_CANDIDATE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Bodies taken as opaque bytes: their routes decode them (or not) themselves.
_BINARY_TYPES = ("multipart/", "application/octet-stream", "application/gzip")


GZIP_MAGIC = b"\x1f\x8b"
"""A gzip upload announced by its first bytes alone (imports accept it): binary, checked once decompressed."""


def storable(text: str) -> bool:
    return "\x00" not in text and _SURROGATE.search(text) is None


def unstorable_location(value: Any) -> list[str | int] | None:
    """The location of the first string (value or key) in decoded JSON that cannot be stored, or None."""
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        item, location = stack.pop()
        if isinstance(item, str):
            if not storable(item):
                return location
        elif isinstance(item, dict):
            for key, child in item.items():
                if not storable(key):
                    return location
                stack.append((child, [*location, key]))
        elif isinstance(item, list):
            stack.extend((child, [*location, i]) for i, child in enumerate(item))
    return None


def _header(scope: Scope, name: bytes) -> bytes:
    return next((v for k, v in scope["headers"] if k == name), b"")


def _request_problem(scope: Scope) -> list[str | int] | None:
    """Where the path, query string or a header holds a character that cannot be stored, or None."""
    if not storable(scope.get("path", "")):
        return ["path"]
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                return ["query", name.replace("\x00", "")]
        return ["query"]
    for name, value in scope["headers"]:
        if b"\x00" in value:
            return ["header", name.decode("latin-1")]
    return None


def _body_problem(scope: Scope, body: bytes) -> list[str | int] | None:
    content_type = _header(scope, b"content-type").decode("latin-1").lower()
    if not body or content_type.startswith(_BINARY_TYPES) or _header(scope, b"content-encoding"):
        return None  # compressed: checked once decompressed (``core.uploads.read_upload``)
    if body.startswith(GZIP_MAGIC):
        return None
    if b"\x00" in body:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return None  # not UTF-8 text at all (UTF-16, say): the route says so, which helps more
        return ["body"]
    if content_type.startswith("application/x-www-form-urlencoded") and b"%00" in body:
        return ["body"]
    is_json = not content_type or content_type.startswith("application/json") or "+json" in content_type
    if is_json and _JSON_CANDIDATE.search(body):
        try:
            decoded = json.loads(body)
        except (ValueError, RecursionError):
            return None  # not JSON: the route answers that
        found = unstorable_location(decoded)
        return None if found is None else ["body", *found]
    return None


class StorableTextMiddleware:
    """Answers 422 ``invalid-input`` (``code: unstorable_character``) when any string of the request holds
    a character PostgreSQL cannot store. Sits inside the body size limit, so it never buffers more than
    the deployment accepts, and outside the lanes and the router."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def _refuse(self, scope: Scope, send: Send, location: list[str | int]) -> None:
        where = ".".join(str(p) for p in location)
        error = InvalidInput(
            f"{where} {MESSAGE}", errors=[{"location": location, "message": MESSAGE, "code": CODE}]
        )
        await send_problem(send, error.to_problem(scope.get("path", "").replace("\x00", "")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        location = _request_problem(scope)
        if location is not None:
            await self._refuse(scope, send, location)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        last: Message = {"type": "http.request", "body": b"", "more_body": False}
        while True:
            message = await receive()
            if message["type"] != "http.request":
                last = message
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        location = _body_problem(scope, body)
        if location is not None:
            await self._refuse(scope, send, location)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            if last["type"] != "http.request":
                return last
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
