"""A real HTTP server on 127.0.0.1 speaking the Nominatim (``/nominatim/search``, ``/nominatim/reverse``,
``format=jsonv2``) and Photon (``/photon/api``, ``/photon/reverse``, GeoJSON) APIs for a few canned
queries, and misbehaving on demand: ``q=redirect`` answers a redirect, ``q=huge`` a body of megabytes,
``q=bulky`` a large body with its length, ``q=slow`` nothing for seconds, ``q=garbage`` HTML, ``q=boom`` a 500. It counts every request it gets."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

STATION = {"lat": 50.6412, "lon": 5.5662, "street": "Rue de la Station", "number": "12", "postcode": "4000"}
SLOW_SECONDS = 3.0
HUGE_BYTES = 3_000_000


@dataclass
class Seen:
    hits: Counter[str] = field(default_factory=Counter)
    """``"{path} {q or lat,lon}"`` -> requests received."""
    params: list[dict[str, str]] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)

    def total(self, prefix: str = "") -> int:
        return sum(n for key, n in self.hits.items() if key.startswith(prefix))


def _nominatim_item(city: str) -> dict[str, Any]:
    return {
        "place_id": 1,
        "lat": str(STATION["lat"]),
        "lon": str(STATION["lon"]),
        "category": "place",
        "type": "house",
        "display_name": f"12, Rue de la Station, {city}, 4000, Belgique",
        "address": {
            "house_number": "12",
            "road": "Rue de la Station",
            "city": city,
            "postcode": "4000",
            "country": "Belgique",
        },
    }


def _photon_feature(city: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [STATION["lon"], STATION["lat"]]},
        "properties": {
            "osm_key": "place",
            "osm_value": "house",
            "housenumber": "12",
            "street": "Rue de la Station",
            "postcode": "4000",
            "city": city,
            "countrycode": "BE",
        },
    }


async def _huge() -> AsyncIterator[bytes]:
    yield b"["
    chunk = json.dumps(_nominatim_item("Liège")).encode() + b","
    sent = 0
    while sent < HUGE_BYTES:
        yield chunk * 50
        sent += len(chunk) * 50
    yield json.dumps(_nominatim_item("Liège")).encode() + b"]"


def build_app(seen: Seen) -> Starlette:
    async def misbehave(request: Request, q: str) -> Response | None:
        if q == "redirect":
            return RedirectResponse(str(request.url_for("elsewhere")), status_code=302)
        if q == "huge":  # streamed: no Content-Length
            return StreamingResponse(_huge(), media_type="application/json")
        if q == "bulky":  # whole: its Content-Length says it all
            return JSONResponse([_nominatim_item("Liège")] * 2_000)
        if q == "slow":
            await asyncio.sleep(SLOW_SECONDS)
            return JSONResponse([])
        if q == "shape":  # JSON, but not what the API answers
            return JSONResponse({"features": "none", "results": 3})
        if q == "deep":  # JSON nested past any parser's depth
            return Response("[" * 40_000 + "]" * 40_000, media_type="application/json")
        if q == "garbage":
            return PlainTextResponse("<html>rate limited</html>", status_code=200)
        if q == "boom":
            return PlainTextResponse("oops", status_code=500)
        return None

    def count(request: Request, what: str) -> None:
        seen.hits[f"{request.url.path} {what}"] += 1
        seen.params.append(dict(request.query_params))
        seen.user_agents.append(request.headers.get("user-agent", ""))

    def city(request: Request) -> str:
        lang = request.query_params.get("accept-language") or request.query_params.get("lang")
        return "Luik" if lang == "nl" else "Liège"

    async def nominatim_search(request: Request) -> Response:
        q = request.query_params.get("q", "")
        count(request, q)
        if (bad := await misbehave(request, q)) is not None:
            return bad
        found = [_nominatim_item(city(request))] if "station" in q.lower() else []
        return JSONResponse(found)

    async def nominatim_reverse(request: Request) -> Response:
        count(request, f"{request.query_params['lat']},{request.query_params['lon']}")
        if float(request.query_params["lat"]) < 0:
            return JSONResponse({"error": "Unable to geocode"})
        return JSONResponse(_nominatim_item(city(request)))

    async def photon_api(request: Request) -> Response:
        q = request.query_params.get("q", "")
        count(request, q)
        if (bad := await misbehave(request, q)) is not None:
            return bad
        features = [_photon_feature(city(request))] if "sta" in q.lower() else []
        return JSONResponse({"type": "FeatureCollection", "features": features})

    async def photon_reverse(request: Request) -> Response:
        count(request, f"{request.query_params['lat']},{request.query_params['lon']}")
        return JSONResponse({"type": "FeatureCollection", "features": [_photon_feature(city(request))]})

    async def elsewhere(request: Request) -> Response:
        count(request, "")
        return JSONResponse([_nominatim_item("Ailleurs")])

    return Starlette(
        routes=[
            Route("/nominatim/search", nominatim_search),
            Route("/nominatim/reverse", nominatim_reverse),
            Route("/photon/api", photon_api),
            Route("/photon/reverse", photon_reverse),
            Route("/elsewhere", elsewhere, name="elsewhere"),
        ]
    )


@dataclass
class FakeGeocoder:
    url: str
    seen: Seen

    @property
    def nominatim(self) -> str:
        return self.url + "/nominatim"

    @property
    def photon(self) -> str:
        return self.url + "/photon"


def closed_port_url() -> str:
    """A local URL nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def serve() -> Iterator[FakeGeocoder]:
    """Run the server in a thread for the duration of the generator."""
    seen = Seen()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(build_app(seen), log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the fake geocoder did not start"
    try:
        yield FakeGeocoder(f"http://127.0.0.1:{port}", seen)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
