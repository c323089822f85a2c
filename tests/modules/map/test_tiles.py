"""GET /map/tiles/{z}/{x}/{y}.mvt: Mapbox Vector Tiles with layers ``places`` (clustered in a 64 by 64
grid of the tile) and ``districts``, an ETag answered 304, cache headers by caller, empty tiles as 204
without a body, tiles outside the grid refused."""

from __future__ import annotations

import math

import httpx
import mapbox_vector_tile
import pytest

from civicapi.core.db.session import Database
from civicapi.places.geometry import mercator
from tests.fixtures.factories import World
from tests.modules.map.helpers import component, enable_all, place, url
from tests.places.test_index import add_district
from tests.spaces.helpers import assert_problem


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    mx, my = mercator(lon, lat)
    return math.floor(mx * 2**z), math.floor(my * 2**z)


def tile_url(z: int, x: int, y: int, commune: str = "alpha") -> str:
    return f"{url(commune)}/tiles/{z}/{x}/{y}.mvt"


def decode(content: bytes) -> dict[str, list[dict[str, object]]]:
    layers = mapbox_vector_tile.decode(content, default_options={"y_coord_down": True})
    return {name: layer["features"] for name, layer in layers.items()}


async def test_a_tile_carries_the_places_and_the_districts(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db, "proposals")
    comp = await component(db, world.alpha)
    hidden = await component(db, world.alpha, published=False)
    await add_district(db, world.alpha.id, "centre", (5.55, 50.62, 5.60, 50.66))
    bench = await place(db, world.alpha, comp, 5.58, 50.64, status="accepted", title={"fr": "Un banc"})
    await place(db, world.alpha, hidden, 5.581, 50.641)
    z = 14
    x, y = tile_of(5.58, 50.64, z)

    r = await client.get(tile_url(z, x, y))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert r.headers["cache-control"].startswith("public, max-age=")
    layers = decode(r.content)
    [feature] = layers["places"]
    assert feature["properties"] == {
        "id": str(bench),
        "module": "proposals",
        "type": "proposal",
        "component": str(comp),
        "title": "Un banc",
        "status": "accepted",
        "district": "centre",
        "cluster": False,
    }
    mx, my = mercator(5.58, 50.64)
    px, py = feature["geometry"]["coordinates"]  # type: ignore[index]
    assert px == round((mx * 2**z - x) * 4096) and py == round((my * 2**z - y) * 4096)
    [district] = layers["districts"]
    assert district["properties"] == {"code": "centre", "name": "centre", "kind": "district"}
    assert district["geometry"]["type"] == "Polygon"  # type: ignore[index]

    # Revalidation: the same ETag is a 304 without a body; a change to the tile's places changes it.
    etag = r.headers["etag"]
    again = await client.get(tile_url(z, x, y), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    await place(db, world.alpha, comp, 5.5805, 50.6405)
    changed = await client.get(tile_url(z, x, y), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag

    # Signed in: private; who previews sees the hidden component's place.
    r = await client.get(tile_url(z, x, y), headers=world.headers("admin"))
    assert r.headers["cache-control"].startswith("private")
    assert len(decode(r.content)["places"]) == 3


async def test_at_a_low_zoom_near_places_are_one_cluster(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db, "proposals")
    comp = await component(db, world.alpha)
    for i in range(3):
        await place(db, world.alpha, comp, 5.5695 + i / 1000, 50.64)  # in one cell of the grid
    z = 8
    r = await client.get(tile_url(z, *tile_of(5.57, 50.64, z)))
    assert r.status_code == 200, r.text
    [cluster] = decode(r.content)["places"]
    assert cluster["properties"] == {"cluster": True, "count": 3}


async def test_an_empty_tile_is_a_204_without_a_body(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db, "proposals")
    comp = await component(db, world.alpha)
    await place(db, world.alpha, comp, 5.58, 50.64)
    await place(db, world.beta, await component(db, world.beta), 4.35, 50.85)  # beta's, in Brussels
    for z, (x, y) in ((14, tile_of(4.35, 50.85, 14)), (3, (0, 0))):
        r = await client.get(tile_url(z, x, y))
        assert r.status_code == 204 and r.content == b""
        assert "etag" in r.headers


@pytest.mark.parametrize(("z", "x", "y"), [(0, 1, 0), (3, 0, 8), (14, 16384, 0)])
async def test_a_tile_outside_the_grid_is_refused(
    client: httpx.AsyncClient, world: World, db: Database, z: int, x: int, y: int
) -> None:
    await enable_all(world, db)
    body = assert_problem(await client.get(tile_url(z, x, y)), 422, type_="/problems/map-invalid-query")
    assert body["reason"] == "tile_out_of_range"


async def test_a_zoom_outside_0_to_22_is_refused(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db)
    assert_problem(await client.get(tile_url(23, 0, 0)), 422)
    assert_problem(await client.get(tile_url(-1, 0, 0)), 422)
