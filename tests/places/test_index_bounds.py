"""A point outside the commune's boundary (its bounding box plus a margin) is refused by the index's write
path, so a module's write with such a point answers 422 and writes nothing; without a boundary nothing is
refused; a rebuild of stored resources is never refused."""

from __future__ import annotations

import httpx
import pytest

from civicapi.cli import reindex_places
from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.places.service_index import BOUNDARY_MARGIN_METRES, widened
from tests.fixtures.factories import World
from tests.modules.proposals.helpers import BODY, TITLE, count_rows, create, make_component
from tests.places.integration_helpers import place
from tests.places.test_index import add_district
from tests.spaces.helpers import assert_problem

BOUNDARY = "/v1/communes/alpha/places/boundary"
OUTLINE = (5.55, 50.62, 5.60, 50.66)
FAR = {"latitude": 50.64, "longitude": 5.65}  # 0.05° (about 3.5 km) east of the outline
NEAR = {"latitude": 50.64, "longitude": 5.62}  # 0.02° (about 1.4 km) east: inside the margin
GEO = {"geolocation_enabled": True}


def _outline() -> dict[str, object]:
    west, south, east, north = OUTLINE
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": {}}


def test_the_margin_widens_the_box_in_metres() -> None:
    _west, south, east, north = widened(OUTLINE, 2000)
    assert south == pytest.approx(50.62 - 2000 / 111_320) and north == pytest.approx(50.66 + 2000 / 111_320)
    assert 5.60 + 0.028 < east < 5.60 + 0.029  # 2 km of longitude at 50.66° N is about 0.0284°
    assert widened((179.9, 89.9, 180.0, 90.0), 5000) == pytest.approx(
        (179.9 - 5000 / (111_320 * 0.0174524), 89.9 - 5000 / 111_320, 180.0, 90.0), rel=1e-3
    )


async def test_a_point_outside_the_commune_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, world: World, db: Database, settings: Settings
) -> None:
    comp = await make_component(client, world, settings=GEO)
    me = world.headers("participant")
    anywhere = await create(client, comp, me, publish=False, **FAR)  # no boundary: nothing refused
    assert (await place(db, "proposals", "proposal", anywhere["id"])) is not None

    r = await client.put(BOUNDARY, json=_outline(), headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    await add_district(db, world.alpha.id, "centre", OUTLINE)
    before = await count_rows(db)
    r = await client.post(comp.proposals, json={"title": TITLE, "body": BODY, **FAR}, headers=me)
    problem = assert_problem(r, 422, type_="/problems/places-point-outside")
    assert problem["reason"] == "outside_commune" and problem["margin_metres"] == BOUNDARY_MARGIN_METRES
    assert problem["bounds"] == pytest.approx(list(widened(OUTLINE, BOUNDARY_MARGIN_METRES)))
    assert await count_rows(db) == before  # no proposal, no version, nothing

    near = await create(client, comp, me, publish=False, **NEAR)  # outside the outline, inside the margin
    assert (await place(db, "proposals", "proposal", near["id"]) or {})["longitude"] == 5.62

    # moving a stored proposal out of the commune is refused too, and leaves it where it was
    r = await client.patch(comp.proposal(near["id"]), json=FAR, headers=me)
    assert assert_problem(r, 422)["reason"] == "outside_commune"
    assert (await client.get(comp.proposal(near["id"]), headers=me)).json()["longitude"] == 5.62
    assert (await place(db, "proposals", "proposal", near["id"]) or {})["longitude"] == 5.62

    # a rebuild rewrites what is stored, even the proposal placed before the boundary was set
    lines = await reindex_places(settings, "alpha")
    assert lines is not None and "alpha: proposals/proposal: 2 place(s) written, 0 removed" in lines
    assert (await place(db, "proposals", "proposal", anywhere["id"]) or {})["longitude"] == 5.65
