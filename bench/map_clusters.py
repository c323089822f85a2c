"""Seed the demo commune for the map benchmarks (run by bench/run.py after `civicapi seed-demo`).

    CIVICAPI_DATABASE_URL=... .venv/bin/python bench/map_clusters.py [--count 100000]
    .venv/bin/python bench/run.py --duration 3 --rounds 3 --scenario map [--database-url ...]

Creates, in the demo commune: the map and proposals modules enabled, a published process and a published
proposals component, and ``--count`` published places of that component in the places index, spread at
random over Liège and around (0.18 by 0.10 degrees), bulk-inserted (one statement per ten thousand rows,
not requests). The ``map`` scenario of bench/run.py then measures, against the FastAPI "hello" ceiling:
the clusters of all of them at a city zoom (13), a 500-place GeoJSON page in a bounding box, and a vector
tile at a dense zoom (14) in the middle of them.

Prints one JSON object of placeholders: ``map_tile`` (``z/x/y`` of that tile).
"""

from __future__ import annotations

import math
import random
import uuid

from seeding import demo_component, seed_main
from sqlalchemy import insert

from civicapi.communes import service as communes
from civicapi.communes.repository import CommuneRepository
from civicapi.config import get_settings
from civicapi.core.db.session import Database, create_engine
from civicapi.demo import DEMO_SLUG
from civicapi.places.geometry import mercator
from civicapi.places.models import Place
from civicapi.registry import load_modules
from civicapi.spaces.schemas import ComponentCreate

CHUNK = 10_000
WEST, SOUTH, EAST, NORTH = 5.50, 50.58, 5.68, 50.68
TILE_ZOOM = 14


async def seed(count: int) -> dict[str, str]:
    settings = get_settings()
    registry = load_modules(settings.modules)
    db = Database(create_engine(settings.database_url))
    rng = random.Random(24)
    try:
        async with db.unit_of_work() as session:
            data = ComponentCreate(module_key="proposals", name={"fr": "Idées sur la carte (bench)"})
            commune, _, component = await demo_component(
                session, registry, rng, data, slug="bench-map", title="La carte (bench)"
            )
            with_modules = await CommuneRepository(session).by_slug(DEMO_SLUG, with_modules=True)
            assert with_modules is not None
            if not any(m.module_key == "map" and m.enabled for m in with_modules.modules):
                await communes.enable_module(session, registry, with_modules, "map", {})
            commune_id, component_id = commune.id, component.id
        for start in range(0, count, CHUNK):
            rows = []
            for n in range(start, min(count, start + CHUNK)):
                lon, lat = rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)
                mx, my = mercator(lon, lat)
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "commune_id": commune_id,
                        "module": "proposals",
                        "resource_type": "proposal",
                        "resource_id": uuid.uuid4(),
                        "component_id": component_id,
                        "title": {"fr": f"Idée {n}"},
                        "figures": {"supports": n % 50},
                        "status": "published",
                        "latitude": lat,
                        "longitude": lon,
                        "mx": mx,
                        "my": my,
                        "published": True,
                    }
                )
            async with db.unit_of_work() as session:
                await session.execute(insert(Place), rows)
    finally:
        await db.dispose()
    mx, my = mercator((WEST + EAST) / 2, (SOUTH + NORTH) / 2)
    side = 2**TILE_ZOOM
    return {"map_tile": f"{TILE_ZOOM}/{math.floor(mx * side)}/{math.floor(my * side)}"}


def main() -> None:
    seed_main(__doc__, seed, 100_000, "places")


if __name__ == "__main__":
    main()
