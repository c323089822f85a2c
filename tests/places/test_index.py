"""The places index as modules write it: a resource's point is stored with its Web Mercator position and
the district (and neighbourhood) its point falls in, computed from the commune's shapes; updated in place;
removed. Another commune's shapes never locate a point."""

from __future__ import annotations

import math
import uuid

from sqlalchemy import func, select

from civicapi.core.db.session import Database
from civicapi.places.geometry import mercator
from civicapi.places.models import NEIGHBOURHOOD, District, Place
from civicapi.places.service_index import PlaceFacts, PlaceRef, locate, put_place, remove_place
from tests.fixtures.factories import World


def square(west: float, south: float, east: float, north: float) -> dict[str, object]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


async def add_district(
    db: Database, commune_id: uuid.UUID, code: str, box: tuple[float, float, float, float], **fields: object
) -> uuid.UUID:
    west, south, east, north = box
    async with db.unit_of_work() as session:
        row = District(
            commune_id=commune_id,
            code=code,
            name={"fr": code},
            geometry=square(*box),
            min_lon=west,
            min_lat=south,
            max_lon=east,
            max_lat=north,
            **fields,
        )
        session.add(row)
        await session.flush()
        return row.id


def test_mercator_places_the_corners_and_the_origin() -> None:
    assert mercator(-180, 0) == (0.0, 0.5)
    assert mercator(180, 0) == (1.0, 0.5)
    x, y = mercator(0, 85.0511287798)
    assert x == 0.5 and math.isclose(y, 0.0, abs_tol=1e-9)
    # Liège: east of Greenwich, north of the equator.
    x, y = mercator(5.5797, 50.6451)
    assert 0.5 < x < 0.52 and 0.3 < y < 0.35


async def test_a_place_is_written_with_its_district_moved_and_removed(world: World, db: Database) -> None:
    alpha = world.alpha.id
    centre = await add_district(db, alpha, "centre", (5.55, 50.62, 5.60, 50.66))
    outremeuse = await add_district(db, alpha, "outremeuse", (5.60, 50.62, 5.65, 50.66))
    ilot = await add_district(
        db, alpha, "ilot-saint-pholien", (5.58, 50.64, 5.60, 50.66), kind=NEIGHBOURHOOD, parent_id=centre
    )
    # beta's shape over the same ground never locates alpha's points
    await add_district(db, world.beta.id, "beta-everywhere", (5.0, 50.0, 6.0, 51.0))

    ref = PlaceRef(alpha, "proposals", "proposal", uuid.uuid4())
    async with db.unit_of_work() as session:
        located = await put_place(
            session,
            ref,
            PlaceFacts(latitude=50.645, longitude=5.59, title={"fr": "Un banc"}, status="published"),
        )
    assert (located.district, located.neighbourhood) == ("centre", "ilot-saint-pholien")
    assert (located.district_id, located.neighbourhood_id) == (centre, ilot)

    async with db.unit_of_work() as session:
        moved = await put_place(session, ref, PlaceFacts(latitude=50.63, longitude=5.62, status="accepted"))
        rows = list((await session.execute(select(Place))).scalars())
    assert moved.district == "outremeuse" and moved.neighbourhood is None
    assert len(rows) == 1
    place = rows[0]
    assert (place.district_id, place.neighbourhood_id, place.status) == (outremeuse, None, "accepted")
    assert (place.mx, place.my) == mercator(5.62, 50.63)

    async with db.unit_of_work() as session:
        nowhere = await locate(session, alpha, 4.35, 50.85)  # Brussels: outside every shape of alpha
        assert nowhere.district is None
        await remove_place(session, ref)
    async with db.unit_of_work() as session:
        assert (await session.execute(select(func.count()).select_from(Place))).scalar_one() == 0
