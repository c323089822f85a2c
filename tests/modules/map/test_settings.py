"""The map's per-commune settings: validated when the commune enables the module (tile template, bounds,
zoom, centre), answered to anyone by ``GET /map/settings``, with defaults (OpenStreetMap's tiles, bounds
from the boundary, else the districts, else the places; centre and zoom fitting them)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from civicapi.core.db.session import Database
from civicapi.modules.map.settings import MapSettings
from tests.fixtures.factories import World
from tests.modules.map.helpers import component, enable_all, place, url
from tests.places.test_index import add_district
from tests.spaces.helpers import assert_problem

ENABLE = "/v1/communes/alpha/modules/map"
MINE: dict[str, Any] = {  # the schema's documented example, with the commune's own tiles
    **MapSettings.model_config["json_schema_extra"]["example"],  # type: ignore[index,dict-item]
    "tile_url_template": "https://tiles.liege.example/{z}/{x}/{y}.png?key=abc",
    "bounds_margin_metres": 500,
}
OUTLINE = (5.55, 50.62, 5.60, 50.66)


def _ring(box: tuple[float, float, float, float]) -> dict[str, Any]:
    w, s, e, n = box
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tile_url_template", "http://tiles.example.org/{z}/{x}/{y}.png"),  # not https
        ("tile_url_template", "https://tiles.example.org/{z}/{x}.png"),  # no {y}
        ("tile_url_template", "https://user@tiles.example.org/{z}/{x}/{y}.png"),  # user information
        ("tile_url_template", "javascript:alert(1)//{z}/{x}/{y}"),
        ("bounds", [5.7, 50.58, 5.5, 50.7]),  # west after east
        ("bounds", [5.5, 50.7, 5.7, 50.58]),  # south after north
        ("bounds", [5.5, 50.58, 185.0, 50.7]),  # out of range
        ("bounds", [5.5, 50.58, 5.7]),  # three numbers
        ("zoom", 23),
        ("centre", {"latitude": 95, "longitude": 5.5}),
        ("centre", {"latitude": 10.0, "longitude": 5.5}),  # outside the bounds
        ("bounds_margin_metres", -1),
        ("colour", "red"),  # unknown
    ],
)
async def test_bad_settings_are_refused_and_change_nothing(
    client: httpx.AsyncClient, world: World, field: str, value: Any
) -> None:
    admin = world.headers("admin")
    assert (await client.put(ENABLE, json={"settings": MINE}, headers=admin)).status_code == 200
    r = await client.put(ENABLE, json={"settings": {**MINE, field: value}}, headers=admin)
    problem = assert_problem(r, 422)
    assert problem["errors"][0]["location"][:2] == ["body", "settings"]
    assert (await client.get(url() + "/settings")).json()["tile_url_template"] == MINE["tile_url_template"]


async def test_the_communes_settings_are_answered_to_anyone(client: httpx.AsyncClient, world: World) -> None:
    r = await client.put(ENABLE, json={"settings": MINE}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    r = await client.get(url() + "/settings")
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"].startswith("public")
    body = r.json()
    assert {k: body[k] for k in MINE} == MINE
    assert body["defaults"] == [] and body["bounds_source"] == "settings"
    assert_problem(await client.get(url("beta") + "/settings"), 404)  # beta has not enabled the map


async def test_defaults_follow_the_boundary_then_the_districts_then_the_places(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db)
    body = (await client.get(url() + "/settings")).json()  # nothing known about the commune
    assert body["tile_url_template"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in body["attribution"] and body["bounds_margin_metres"] == 2000
    assert (body["bounds"], body["centre"], body["zoom"], body["bounds_source"]) == (None, None, None, None)
    assert set(body["defaults"]) == set(MINE)

    comp = await component(db, world.alpha)
    await place(db, world.alpha, comp, 5.57, 50.64)
    await place(db, world.alpha, comp, 5.59, 50.65)
    body = (await client.get(url() + "/settings")).json()
    assert body["bounds_source"] == "places" and body["bounds"] == [5.57, 50.64, 5.59, 50.65]
    assert body["centre"] == pytest.approx({"latitude": 50.645, "longitude": 5.58})
    assert body["zoom"] == 15  # 0.02° of longitude fit in 512 pixels at zoom 15, not 16

    await add_district(db, world.alpha.id, "centre", (5.56, 50.63, 5.60, 50.66))
    body = (await client.get(url() + "/settings")).json()
    assert body["bounds_source"] == "districts" and body["bounds"] == [5.56, 50.63, 5.60, 50.66]

    boundary = {"type": "Feature", "geometry": _ring((5.5, 50.58, 5.7, 50.7)), "properties": {}}
    r = await client.put("/v1/communes/alpha/places/boundary", json=boundary, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    body = (await client.get(url() + "/settings")).json()
    assert body["bounds_source"] == "boundary" and body["bounds"] == [5.5, 50.58, 5.7, 50.7]
    assert body["centre"] == pytest.approx({"latitude": 50.64, "longitude": 5.6}) and body["zoom"] == 11

    # a commune's own tiles without an attribution answer an empty one, not OpenStreetMap's
    only_tiles = {"tile_url_template": MINE["tile_url_template"], "zoom": 13}
    r = await client.put(ENABLE, json={"settings": only_tiles}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    body = (await client.get(url() + "/settings")).json()
    assert body["attribution"] == "" and body["zoom"] == 13 and body["bounds_source"] == "boundary"
