"""Uploaded files (imports): a larger body limit for the routes that take one, and gzip.

An import route says so in its ``openapi_extra`` (:data:`IMPORT_BODY_EXTRA`): the body size middleware
then lets its body grow to ``CIVICAPI_MAX_IMPORT_BYTES`` instead of ``CIVICAPI_MAX_BODY_BYTES``.
:func:`read_upload` reads such a body and decompresses it when it is gzip (``Content-Encoding: gzip``
or the gzip magic bytes), in a worker thread and never past the same limit: a zip bomb is a 413.
"""

from __future__ import annotations

import asyncio
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.routing import BaseRoute, compile_path
from starlette.types import Scope

from civicapi.core.errors import InvalidInput, PayloadTooLarge
from civicapi.core.storable import GZIP_MAGIC

IMPORT_BODY_EXTRA: dict[str, Any] = {"x-body-limit": "CIVICAPI_MAX_IMPORT_BYTES"}
"""Merge into a route's ``openapi_extra`` to give it the import body limit (documented in the OpenAPI)."""

_CHUNK = 1 << 20


def _is_import_route(route: Any) -> bool:
    extra = getattr(route, "openapi_extra", None) or {}
    return bool(extra.get("x-body-limit") == IMPORT_BODY_EXTRA["x-body-limit"])


def _marked(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """The (path template, methods) of the import routes among ``routes``, walking included routers
    without building their effective routes (which costs the whole table, seconds on a loaded host)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _marked(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]
        elif isinstance(route, APIRoute) and _is_import_route(route):
            yield prefix + route.path, set(route.methods or ())


def import_route_matcher(routes: Callable[[], Iterable[BaseRoute]]) -> Callable[[Scope], bool]:
    """Whether a request goes to an import route (``routes``: the app's, walked once when first asked)."""
    found: list[tuple[re.Pattern[str], set[str]]] | None = None

    def is_import(scope: Scope) -> bool:
        nonlocal found
        if found is None:
            found = [(compile_path(path)[0], methods) for path, methods in _marked(list(routes()))]
        path, method = scope.get("path", ""), scope.get("method", "")
        return any(method in methods and pattern.match(path) for pattern, methods in found)

    return is_import


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the decompressed request body exceeds {max_bytes} bytes", max_bytes=max_bytes)


def gunzip(data: bytes, *, max_bytes: int) -> bytes:
    """``data`` (one or more gzip members) decompressed, a chunk at a time: past ``max_bytes`` it stops
    and raises a 413 (memory stays within the limit whatever the ratio)."""
    out = bytearray()
    pending = data
    while pending:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            while pending:
                out += inflater.decompress(pending, _CHUNK)
                if len(out) > max_bytes:
                    raise _too_large(max_bytes)
                pending = inflater.unconsumed_tail
                if inflater.eof:
                    break
            if not inflater.eof:
                raise zlib.error("truncated gzip stream")
        except zlib.error as exc:
            raise InvalidInput(
                f"the body is not valid gzip: {exc}",
                errors=[{"location": ["body"], "message": str(exc), "code": "invalid_gzip"}],
            ) from exc
        pending = inflater.unused_data
        if pending and not pending.startswith(GZIP_MAGIC):
            break  # trailing garbage after the last member, as gzip(1) ignores it
    return bytes(out)


async def read_upload(request: Request, *, max_bytes: int) -> bytes:
    """The request body, decompressed in a worker thread when it is gzip (by header or magic bytes).
    Another ``Content-Encoding`` than gzip or identity is a 422."""
    body = await request.body()
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("gzip", "x-gzip", "identity", ""):
        raise InvalidInput(
            f"Content-Encoding {encoding!r} is not supported (gzip or none)",
            errors=[
                {
                    "location": ["header", "content-encoding"],
                    "message": "gzip or none",
                    "code": "unsupported_encoding",
                }
            ],
        )
    if encoding in ("gzip", "x-gzip") or body.startswith(GZIP_MAGIC):
        body = await asyncio.to_thread(gunzip, body, max_bytes=max_bytes)
        if b"\x00" in body:  # what StorableTextMiddleware checks of a body sent as it is
            raise InvalidInput(
                "body contains a character the database cannot store (U+0000)",
                errors=[{"location": ["body"], "message": "contains U+0000", "code": "unstorable_character"}],
            )
    return body
