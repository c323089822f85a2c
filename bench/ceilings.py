"""Ceiling servers for the benchmark: the fastest a server can answer the measured endpoint's bytes.

``bench/run.py`` GETs the real endpoint once, writes the captured response (status, headers, body) to a
JSON file and starts this script twice, with the file path in ``CIVICAPI_BENCH_RESPONSE``:

* ``--kind bare``: a plain ASGI callable (no framework at all) that sends the captured bytes;
* ``--kind fastapi``: a FastAPI app with one route at the same path that returns the same bytes.

Both are served by uvicorn exactly as ``civicapi serve`` serves the real app (one worker, loopback, no
``server`` header, proxy headers on, uvicorn's own logging left unconfigured, root logger at WARNING), so
the only difference between a ceiling and the real server is the application code.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESPONSE_ENV = "CIVICAPI_BENCH_RESPONSE"
ROUTE_ENV = "CIVICAPI_BENCH_ROUTE"
"""When set, a route template with path parameters (``/items/{item_id}``): the endpoint is measured on
many paths (bench/run.py's ``vary``), so the bare ceiling answers every path and the FastAPI one routes
this template."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class CapturedResponse:
    """One response of the real server, as sent on the wire (minus ``date``, which uvicorn adds)."""

    method: str
    path: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def to_json(self) -> str:
        return json.dumps(
            {
                "method": self.method,
                "path": self.path,
                "status": self.status,
                "headers": self.headers,
                "body_b64": base64.b64encode(self.body).decode(),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> CapturedResponse:
        data = json.loads(text)
        return cls(
            method=data["method"],
            path=data["path"],
            status=int(data["status"]),
            headers=[(str(k), str(v)) for k, v in data["headers"]],
            body=base64.b64decode(data["body_b64"]),
        )


def load_captured() -> CapturedResponse:
    path = os.environ.get(RESPONSE_ENV)
    if not path:
        raise SystemExit(f"{RESPONSE_ENV} must name the captured-response JSON file")
    return CapturedResponse.from_json(Path(path).read_text(encoding="utf-8"))


def make_bare_app(captured: CapturedResponse) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """A plain ASGI callable answering ``captured`` at its path (404 elsewhere); handles lifespan."""
    start = {
        "type": "http.response.start",
        "status": captured.status,
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in captured.headers],
    }
    body = {"type": "http.response.body", "body": captured.body}
    not_found_start = {
        "type": "http.response.start",
        "status": 404,
        "headers": [(b"content-type", b"text/plain"), (b"content-length", b"9")],
    }
    not_found_body = {"type": "http.response.body", "body": b"not found"}
    path = captured.path.split("?", 1)[0]  # the query string is not part of the ASGI path
    any_path = bool(os.environ.get(ROUTE_ENV))

    async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        if any_path or scope["path"] == path:
            await send(start)
            await send(body)
        else:
            await send(not_found_start)
            await send(not_found_body)

    return bare_app


def make_fastapi_app(captured: CapturedResponse) -> Any:
    """A FastAPI "hello" app: one route at the measured path returning the captured bytes."""
    from fastapi import FastAPI, Response

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    headers = dict(captured.headers)

    async def hello() -> Response:
        return Response(content=captured.body, status_code=captured.status, headers=headers)

    route = os.environ.get(ROUTE_ENV) or captured.path.split("?", 1)[0]
    app.add_api_route(route, hello, methods=[captured.method])
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="serve a benchmark ceiling app with uvicorn")
    parser.add_argument("--kind", choices=["bare", "fastapi"], required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    import uvicorn

    logging.basicConfig(level=logging.WARNING)
    captured = load_captured()
    app = make_bare_app(captured) if args.kind == "bare" else make_fastapi_app(captured)
    # The same uvicorn options as ``civicapi serve`` (src/civicapi/cli.py), workers=1.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        workers=1,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )


if __name__ == "__main__":
    main()
