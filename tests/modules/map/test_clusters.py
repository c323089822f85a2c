"""GET /map/clusters: the places the caller sees grouped in a grid suited to the zoom, in SQL on both
backends: count, centroid and bounding box per cluster, the place itself for a cluster of one; 100,000
points answer as a few hundred clusters."""

from __future__ import annotations

import math
import random
import uuid

import httpx
import pytest
from sqlalchemy import insert

from civicapi.core.db.session import Database
from civicapi.places.geometry import mercator
from civicapi.places.models import Place
from tests.fixtures.factories import World
from tests.modules.map.helpers import component, enable_all, place, result, url
from tests.places.test_index import add_district


async def test_near_places_are_one_cluster_and_a_lone_place_is_itself(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db, "proposals")
    comp = await component(db, world.alpha)
    hidden = await component(db, world.alpha, published=False)
    near = [(5.5700, 50.6400), (5.5710, 50.6410), (5.5720, 50.6405)]
    for lon, lat in near:
        await place(db, world.alpha, comp, lon, lat)
    await place(db, world.alpha, hidden, 5.5705, 50.6402)  # not seen by the public
    lone = await place(db, world.alpha, comp, 5.70, 50.60, status="accepted")
    await place(db, world.beta, await component(db, world.beta), 5.5701, 50.6401)  # beta's

    r = await client.get(f"{url()}/clusters", params={"zoom": 10})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["zoom"] == 10
    clusters = [f for f in body["features"] if f["properties"].get("cluster")]
    singles = [f for f in body["features"] if "id" in f]
    assert len(clusters) == 1 and len(singles) == 1
    [cluster] = clusters
    assert cluster["properties"] == {"cluster": True, "count": 3}
    lon, lat = cluster["geometry"]["coordinates"]
    assert math.isclose(lon, sum(p[0] for p in near) / 3) and math.isclose(lat, sum(p[1] for p in near) / 3)
    assert cluster["bbox"] == pytest.approx([5.57, 50.64, 5.572, 50.641])
    assert singles[0]["id"] == str(lone) and singles[0]["properties"]["status"] == "accepted"

    # At a street zoom they part; who previews sees the hidden component's place too.
    r = await client.get(f"{url()}/clusters", params={"zoom": 18})
    assert len(r.json()["features"]) == 4
    r = await client.get(f"{url()}/clusters", params={"zoom": 10}, headers=world.headers("admin"))
    counts = sorted(f["properties"].get("count", 1) for f in r.json()["features"])
    assert counts == [1, 4]
    # Filters and the bounding box apply.
    r = await client.get(f"{url()}/clusters", params={"zoom": 10, "bbox": "5.6,50.5,5.8,50.7"})
    assert [f.get("id") for f in r.json()["features"]] == [str(lone)]
    r = await client.get(f"{url()}/clusters", params={"zoom": 23})
    assert r.status_code == 422


async def test_a_hundred_thousand_places_answer_as_a_few_hundred_clusters(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db, "proposals")
    comp = await component(db, world.alpha)
    rng = random.Random(24)
    rows = []
    for _ in range(100_000):
        lon, lat = rng.uniform(5.50, 5.68), rng.uniform(50.58, 50.68)  # Liège and around
        mx, my = mercator(lon, lat)
        rows.append(
            {
                "id": uuid.uuid4(),
                "commune_id": world.alpha.id,
                "module": "proposals",
                "resource_type": "proposal",
                "resource_id": uuid.uuid4(),
                "component_id": comp,
                "title": {},
                "figures": {},
                "latitude": lat,
                "longitude": lon,
                "mx": mx,
                "my": my,
                "published": True,
            }
        )
    async with db.unit_of_work() as session:
        for start in range(0, len(rows), 10_000):
            await session.execute(insert(Place), rows[start : start + 10_000])

    r = await client.get(f"{url()}/clusters", params={"zoom": 13})  # a city zoom
    assert r.status_code == 200, r.text
    features = r.json()["features"]
    assert 20 <= len(features) <= 400
    assert sum(f["properties"].get("count", 1) for f in features) == 100_000


async def test_unpublished_places_count_only_where_their_module_shows_them(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db, "accountability")
    results = await component(db, world.alpha, "accountability")
    await add_district(db, world.alpha.id, "centre", (5.55, 50.62, 5.60, 50.66))
    for _ in range(2):  # results the module serves: seen, so counted
        rid = await result(db, world.alpha, results)
        await place(
            db,
            world.alpha,
            results,
            5.570,
            50.640,
            module="accountability",
            type_="result",
            resource_id=rid,
            published=False,
        )
    await place(
        db, world.alpha, results, 5.571, 50.641, module="accountability", type_="result", published=False
    )  # no such result: its module shows it to no one

    r = await client.get(f"{url()}/clusters", params={"zoom": 10})
    assert [f["properties"]["count"] for f in r.json()["features"]] == [2]
    r = await client.get(f"{url()}/districts")
    assert r.json()["features"][0]["properties"]["places"] == {"accountability.result": 2}
