"""Point-in-district: 10,000 points against 100 districts, the places capability's ``locate`` (what every
``put_place`` runs) against an in-memory ceiling on the same machine, in one run.

    .venv/bin/python bench/places_locate.py [--points 10000] [--grid 10] [--rounds 3] [--database-url ...]

The districts are synthetic: a ``grid`` by ``grid`` tiling of Liège and around (0.18 by 0.10 degrees) whose
inner corners are moved at random, each edge cut into 10 segments (40 vertices a district), written as
``places_district`` rows with their bounding boxes. The points are uniform over the same box.

- **measured**: ``service_index.locate(session, commune, lon, lat)`` for every point, one after the other
  in one read-only unit of work: the bounding-box query on the database, then shapely's ``covers`` on the
  candidates (their GeoJSON parsed and prepared at each call, as ``put_place`` does).
- **ceiling**: the same lookups with no database and nothing parsed per call: shapely's ``STRtree`` of the
  100 shapes built once, then ``tree.query(point, predicate="covered_by")`` point by point. That is the
  least any point-in-polygon lookup of a single point can cost with the geometry library the capability
  uses; a FastAPI "hello" ceiling would measure HTTP, not the lookup, and ``locate`` is never called over
  HTTP in a loop (modules call it in-process on every write). Also printed: STRtree's vectorised query of
  all the points at once (what a bulk rebuild could use), for scale only.

Both must agree on every point (the bench checks the district found). The ratio is ceiling time divided by
measured time (1.0 would be as fast as the ceiling).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from typing import Any

import shapely
from seeding import save_result
from shapely.geometry import Point, Polygon, mapping

from civicapi import migrate
from civicapi.communes import service as communes
from civicapi.communes.schemas import CommuneCreate
from civicapi.core.db.session import Database, create_engine
from civicapi.places.models import District
from civicapi.places.service_index import locate

WEST, SOUTH, EAST, NORTH = 5.50, 50.58, 5.68, 50.68
SEGMENTS = 10


def _edge(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    return [
        (a[0] + (b[0] - a[0]) * i / SEGMENTS, a[1] + (b[1] - a[1]) * i / SEGMENTS) for i in range(SEGMENTS)
    ]


def districts(grid: int, rng: random.Random) -> list[tuple[str, Polygon]]:
    """A tiling of the box in ``grid`` x ``grid`` irregular quadrilaterals (shared corners moved at random,
    so neighbours share their borders exactly), each edge cut in ``SEGMENTS``."""
    dx, dy = (EAST - WEST) / grid, (NORTH - SOUTH) / grid
    corners = [[(WEST + i * dx, SOUTH + j * dy) for j in range(grid + 1)] for i in range(grid + 1)]
    for i in range(1, grid):
        for j in range(1, grid):
            x, y = corners[i][j]
            corners[i][j] = (x + rng.uniform(-0.3, 0.3) * dx, y + rng.uniform(-0.3, 0.3) * dy)
    shapes = []
    for i in range(grid):
        for j in range(grid):
            a, b, c, d = corners[i][j], corners[i + 1][j], corners[i + 1][j + 1], corners[i][j + 1]
            ring = _edge(a, b) + _edge(b, c) + _edge(c, d) + _edge(d, a) + [a]
            shapes.append((f"d{i:02d}{j:02d}", Polygon(ring)))
    return shapes


async def _seed(db: Database, shapes: list[tuple[str, Polygon]]) -> uuid.UUID:
    async with db.unit_of_work() as session:
        slug = f"bench-{uuid.uuid4().hex[:6]}"
        commune = await communes.create_commune(
            session, CommuneCreate(slug=slug, name="Bench", locales=["fr"], default_locale="fr")
        )
        for code, polygon in shapes:
            west, south, east, north = polygon.bounds
            session.add(
                District(
                    commune_id=commune.id,
                    code=code,
                    name={"fr": code},
                    geometry=mapping(polygon),
                    min_lon=west,
                    min_lat=south,
                    max_lon=east,
                    max_lat=north,
                )
            )
        await session.flush()
        return commune.id


def _ceiling(shapes: list[tuple[str, Polygon]], points: list[tuple[float, float]]) -> tuple[float, list[Any]]:
    start = time.perf_counter()
    geoms = [p for _, p in shapes]
    shapely.prepare(geoms)
    tree = shapely.STRtree(geoms)
    found = []
    for lon, lat in points:
        hits = sorted(tree.query(Point(lon, lat), predicate="covered_by"))
        found.append(shapes[int(hits[0])][0] if len(hits) else None)
    return time.perf_counter() - start, found


def _bulk(shapes: list[tuple[str, Polygon]], points: list[tuple[float, float]]) -> float:
    start = time.perf_counter()
    tree = shapely.STRtree([p for _, p in shapes])
    tree.query(shapely.points(points), predicate="covered_by")
    return time.perf_counter() - start


async def _measured(
    db: Database, commune_id: uuid.UUID, points: list[tuple[float, float]]
) -> tuple[float, list[Any]]:
    start = time.perf_counter()
    found = []
    async with db.unit_of_work() as session:
        for lon, lat in points:
            found.append((await locate(session, commune_id, lon, lat)).district)
    return time.perf_counter() - start, found


async def _run(url: str, count: int, grid: int, rounds: int) -> dict[str, Any]:
    rng = random.Random(24)
    shapes = districts(grid, rng)
    points = [(rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)) for _ in range(count)]
    db = Database(create_engine(url))
    try:
        commune_id = await _seed(db, shapes)
        timings: dict[str, list[float]] = {"ceiling": [], "locate": [], "bulk": []}
        for _ in range(rounds):
            ceiling, expected = _ceiling(shapes, points)
            measured, found = await _measured(db, commune_id, points)
            if found != expected:
                wrong = sum(a != b for a, b in zip(found, expected, strict=True))
                raise SystemExit(f"locate and the ceiling disagree on {wrong} point(s)")
            timings["ceiling"].append(ceiling)
            timings["locate"].append(measured)
            timings["bulk"].append(_bulk(shapes, points))
        ceiling, measured = statistics.median(timings["ceiling"]), statistics.median(timings["locate"])
        return {
            "points": count,
            "districts": len(shapes),
            "rounds": timings,
            "ceiling_us_per_point": round(ceiling * 1e6 / count, 1),
            "locate_us_per_point": round(measured * 1e6 / count, 1),
            "bulk_us_per_point": round(statistics.median(timings["bulk"]) * 1e6 / count, 2),
            "ratio_ceiling_to_locate": round(ceiling / measured, 3),
            "ratios_per_round": [
                round(c / m, 3) for c, m in zip(timings["ceiling"], timings["locate"], strict=True)
            ],
        }
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--grid", type=int, default=10, help="districts per side (10: 100 districts)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='civicapi-locate-')}/bench.db"
    migrate.upgrade(url)
    result = asyncio.run(_run(url, args.points, args.grid, args.rounds))
    print(
        f"{result['points']} points, {result['districts']} districts: locate {result['locate_us_per_point']} "
        f"µs/point, ceiling (STRtree, point by point) {result['ceiling_us_per_point']} µs/point: ratio "
        f"{result['ratio_ceiling_to_locate']} (rounds {result['ratios_per_round']}); STRtree bulk "
        f"{result['bulk_us_per_point']} µs/point"
    )
    save_result("places-locate", result, url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
