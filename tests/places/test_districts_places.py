"""The districts applied: after any change of shapes, every place of the commune gets the district and
neighbourhood its point falls in (in batches: a constant number of statements per batch); "which district
is this point in" answers codes and names; modules read a resource's district from the index."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from civicapi.core.db.session import Database
from civicapi.places.models import District, Place
from civicapi.places.service_districts import district_code_of, recompute_places
from civicapi.places.service_index import PlaceFacts, PlaceRef, put_place
from tests.fixtures.factories import World
from tests.places.helpers_districts import BASE, DISTRICTS, LIEGE, OUTREMEUSE, polygon, upload
from tests.spaces.helpers import assert_problem

Box = tuple[float, float, float, float]


def _in(box: Box, lon: float, lat: float) -> bool:
    return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def expected(
    lon: float, lat: float, districts: dict[str, Box], neighbourhoods: dict[str, Box]
) -> tuple[Any, Any]:
    d = next((c for c, b in sorted(districts.items()) if _in(b, lon, lat)), None)
    n = next((c for c, b in sorted(neighbourhoods.items()) if _in(b, lon, lat)), None)
    return d, n


async def _places(db: Database, commune_id: uuid.UUID, count: int) -> list[tuple[uuid.UUID, float, float]]:
    rng = random.Random(24)
    points = [(uuid.uuid4(), rng.uniform(5.50, 5.70), rng.uniform(50.60, 50.68)) for _ in range(count)]
    async with db.unit_of_work() as session:
        for rid, lon, lat in points:
            await put_place(session, PlaceRef(commune_id, "proposals", "proposal", rid), PlaceFacts(lat, lon))
    return points


async def _areas_of_places(db: Database) -> dict[uuid.UUID, tuple[str | None, str | None]]:
    async with db.unit_of_work() as session:
        codes = {d.id: d.code for d in (await session.execute(select(District))).scalars()}
        rows = (await session.execute(select(Place))).scalars()
        return {
            p.resource_id: (
                codes.get(p.district_id) if p.district_id else None,
                codes.get(p.neighbourhood_id) if p.neighbourhood_id else None,
            )
            for p in rows
        }


def _check(
    points: list[tuple[uuid.UUID, float, float]],
    got: dict[uuid.UUID, Any],
    districts: dict[str, Box],
    neighbourhoods: dict[str, Box],
) -> None:
    wrong = [
        (lon, lat, got[rid])
        for rid, lon, lat in points
        if got[rid] != expected(lon, lat, districts, neighbourhoods)
    ]
    assert not wrong, wrong[:5]


async def test_every_place_follows_the_districts_when_they_change(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    points = await _places(db, world.alpha.id, 300)
    assert set((await _areas_of_places(db)).values()) == {(None, None)}
    districts = {"centre": (5.55, 50.62, 5.60, 50.66), "outremeuse": OUTREMEUSE}
    neighbourhoods = {"ilot": (5.58, 50.64, 5.60, 50.66)}

    assert (await upload(client, world, LIEGE)).status_code == 200
    got = await _areas_of_places(db)
    _check(points, got, districts, neighbourhoods)
    assert {v for v in got.values()} >= {
        ("centre", "ilot"),
        ("centre", None),
        ("outremeuse", None),
        (None, None),
    }

    # outremeuse grows to the east: its places follow
    wider = (5.60, 50.62, 5.70, 50.66)
    r = await client.patch(
        DISTRICTS + "/outremeuse", json={"geometry": polygon(wider)}, headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text
    _check(points, await _areas_of_places(db), {**districts, "outremeuse": wider}, neighbourhoods)

    # centre goes, its neighbourhood with it
    r = await client.delete(DISTRICTS + "/centre", headers=world.headers("admin"))
    assert r.status_code == 204, r.text
    _check(points, await _areas_of_places(db), {"outremeuse": wider}, {})
    assert [f["id"] for f in (await client.get(DISTRICTS)).json()["features"]] == ["outremeuse"]


@contextmanager
def _statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement.lstrip().split()[0].upper())

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


async def test_places_are_recomputed_in_batches_of_constant_statements(world: World, db: Database) -> None:
    await _places(db, world.alpha.id, 250)
    assert await _places(db, world.beta.id, 10)  # another commune's places are not read
    async with db.unit_of_work() as session:
        for code, box in (("centre", (5.50, 50.60, 5.60, 50.68)), ("outremeuse", (5.60, 50.60, 5.70, 50.68))):
            session.add(
                District(
                    commune_id=world.alpha.id,
                    code=code,
                    name={"fr": code},
                    geometry=polygon(box),
                    min_lon=box[0],
                    min_lat=box[1],
                    max_lon=box[2],
                    max_lat=box[3],
                )
            )
    for batch in (100, 50):
        async with db.unit_of_work() as session:
            with _statements(db.engine) as seen:
                changed = await recompute_places(session, world.alpha.id, batch=batch)
        pages = math.ceil(250 / batch)
        assert changed == (250 if batch == 100 else 0)  # the second run finds nothing to change
        assert seen.count("SELECT") == 1 + pages + 1  # the areas, each page, the empty page
        assert seen.count("UPDATE") == (pages if batch == 100 else 0)
    got = await _areas_of_places(db)
    assert sum(1 for d, _ in got.values() if d is not None) == 250


async def test_which_district_is_this_point_in(client: httpx.AsyncClient, world: World) -> None:
    assert (await upload(client, world, LIEGE)).status_code == 200
    r = await client.get(BASE + "/locate", params={"lat": 50.65, "lon": 5.59})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "latitude": 50.65,
        "longitude": 5.59,
        "district": {"code": "centre", "name": {"fr": "Centre"}},
        "neighbourhood": {"code": "ilot", "name": {"fr": "Ilot"}},
    }
    r = await client.get(BASE + "/locate", params={"lat": 50.63, "lon": 5.62})
    assert (r.json()["district"]["code"], r.json()["neighbourhood"]) == ("outremeuse", None)
    outside = (await client.get(BASE + "/locate", params={"lat": 48.85, "lon": 2.35})).json()
    assert (outside["district"], outside["neighbourhood"]) == (None, None)
    # another commune's shapes locate nothing
    beta = (await client.get("/v1/communes/beta/places/locate", params={"lat": 50.65, "lon": 5.59})).json()
    assert (beta["district"], beta["neighbourhood"]) == (None, None)
    for params in (
        {"lat": 91, "lon": 5.59},
        {"lat": 50.65, "lon": -181},
        {"lat": 50.65},
        {"lat": "x", "lon": 1},
    ):
        assert_problem(await client.get(BASE + "/locate", params=params), 422)


async def test_a_modules_resource_has_the_district_of_its_point(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    ref = PlaceRef(world.alpha.id, "budgets", "project", uuid.uuid4())
    async with db.unit_of_work() as session:
        await put_place(session, ref, PlaceFacts(latitude=50.63, longitude=5.59))
    args = (ref.module, ref.resource_type, ref.resource_id)
    async with db.unit_of_work() as session:
        assert await district_code_of(session, world.alpha.id, *args) is None  # no districts yet
    assert (await upload(client, world, LIEGE)).status_code == 200
    async with db.unit_of_work() as session:
        assert await district_code_of(session, world.alpha.id, *args) == "centre"
        assert await district_code_of(session, world.beta.id, *args) is None  # scoped to the commune
        assert await district_code_of(session, world.alpha.id, "budgets", "project", uuid.uuid4()) is None
    # the district is moved away from the point: the resource's district follows
    r = await client.patch(
        DISTRICTS + "/centre",
        json={"geometry": polygon((5.50, 50.62, 5.55, 50.66))},
        headers=world.headers("admin"),
    )
    assert r.status_code == 422  # ilot would be outside centre: nothing changes
    async with db.unit_of_work() as session:
        assert await district_code_of(session, world.alpha.id, *args) == "centre"
    assert (await client.delete(DISTRICTS + "/ilot", headers=world.headers("admin"))).status_code == 204
    r = await client.patch(
        DISTRICTS + "/centre",
        json={"geometry": polygon((5.50, 50.62, 5.55, 50.66))},
        headers=world.headers("admin"),
    )
    assert r.status_code == 200, r.text
    async with db.unit_of_work() as session:
        assert await district_code_of(session, world.alpha.id, *args) is None
