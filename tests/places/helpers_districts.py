"""Builders of the districts' tests: GeoJSON features of squares around Liège, and the routes' URLs."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.factories import World

BASE = "/v1/communes/alpha/places"
DISTRICTS = BASE + "/districts"

CENTRE = (5.55, 50.62, 5.60, 50.66)
OUTREMEUSE = (5.60, 50.62, 5.65, 50.66)
ILOT = (5.58, 50.64, 5.60, 50.66)


def ring(west: float, south: float, east: float, north: float) -> list[list[float]]:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def polygon(box: tuple[float, float, float, float]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring(*box)]}


def feature(
    code: str,
    geometry: dict[str, Any] | tuple[float, float, float, float],
    *,
    kind: str = "district",
    parent: str | None = None,
    name: Any = None,
) -> dict[str, Any]:
    shape = polygon(geometry) if isinstance(geometry, tuple) else geometry
    properties: dict[str, Any] = {"code": code, "name": name or {"fr": code.title()}, "kind": kind}
    if parent is not None:
        properties["parent"] = parent
    return {"type": "Feature", "geometry": shape, "properties": properties}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


LIEGE = collection(
    feature("centre", CENTRE),
    feature("outremeuse", OUTREMEUSE),
    feature("ilot", ILOT, kind="neighbourhood", parent="centre"),
)


async def upload(
    client: httpx.AsyncClient, world: World, body: dict[str, Any], who: str = "admin", commune: str = "alpha"
) -> httpx.Response:
    return await client.put(f"/v1/communes/{commune}/places/districts", json=body, headers=world.headers(who))


async def codes(client: httpx.AsyncClient, commune: str = "alpha") -> list[str]:
    r = await client.get(f"/v1/communes/{commune}/places/districts")
    assert r.status_code == 200, r.text
    return [f["id"] for f in r.json()["features"]]
