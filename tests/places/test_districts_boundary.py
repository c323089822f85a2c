"""The commune's boundary: every district must lie inside it (a few metres of tolerance); without one, the
outline answered is the union of the districts; setting one that leaves a stored district outside is
refused; commune administrators only."""

from __future__ import annotations

import httpx

from tests.fixtures.factories import World
from tests.places.helpers_districts import (
    BASE,
    CENTRE,
    DISTRICTS,
    LIEGE,
    collection,
    feature,
    polygon,
    upload,
)
from tests.spaces.helpers import assert_problem

BOUNDARY = BASE + "/boundary"
LIEGE_OUTLINE = (5.50, 50.58, 5.70, 50.70)


def _outline(box: tuple[float, float, float, float]) -> dict[str, object]:
    return {"type": "Feature", "geometry": polygon(box), "properties": {"name": "Liège"}}


async def test_districts_lie_inside_the_boundary(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("admin")
    assert_problem(await client.get(BOUNDARY), 404)  # neither a boundary nor districts
    r = await client.put(BOUNDARY, json=_outline(LIEGE_OUTLINE), headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["properties"] == {"source": "boundary"} and r.json()["bbox"] == list(LIEGE_OUTLINE)
    assert (await client.get(BOUNDARY)).json()["geometry"] == polygon(LIEGE_OUTLINE)

    assert (await upload(client, world, LIEGE)).status_code == 200
    # a hair (under the tolerance) over the boundary is inside; 0.01° (~700 m) is not
    hair = collection(feature("bord", (5.65, 50.62, 5.70002, 50.66)))
    assert (await upload(client, world, hair)).status_code == 200
    outside = collection(feature("bord", (5.65, 50.62, 5.71, 50.66)), feature("centre", CENTRE))
    problem = assert_problem(await upload(client, world, outside), 422)
    assert [(e["feature"], e["reason"]) for e in problem["errors"]] == [(0, "outside_boundary")]
    r = await client.post(DISTRICTS, json=feature("loin", (4.0, 50.0, 4.1, 50.1)), headers=admin)
    assert assert_problem(r, 422)["reason"] == "outside_boundary"

    # a boundary leaving the stored "bord" outside is refused
    problem = assert_problem(
        await client.put(BOUNDARY, json=_outline((5.50, 50.58, 5.66, 50.70)), headers=admin), 422
    )
    assert [(e["area"], e["reason"]) for e in problem["errors"]] == [("bord", "outside_boundary")]
    r = await client.put(BOUNDARY, json=_outline((5.5, 50.6, 5.6, 50.6)), headers=admin)  # a flat ring
    assert assert_problem(r, 422)["reason"] == "invalid_geometry"
    assert (await client.get(BOUNDARY)).json()["bbox"] == list(LIEGE_OUTLINE)

    # without a boundary: the union of the districts
    assert (await client.delete(BOUNDARY, headers=admin)).status_code == 204
    union = (await client.get(BOUNDARY)).json()
    assert union["properties"] == {"source": "districts"} and union["bbox"] == [5.65, 50.62, 5.70002, 50.66]
    assert (
        await upload(client, world, collection(feature("loin", (4.0, 50.0, 4.1, 50.1))))
    ).status_code == 200
    assert_problem(await client.delete(BOUNDARY, headers=admin), 404)


async def test_only_the_communes_administrators_set_the_boundary(
    client: httpx.AsyncClient, world: World
) -> None:
    for who, status in (("anonymous", 401), ("staff", 403), ("beta_admin", 403)):
        assert_problem(
            await client.put(BOUNDARY, json=_outline(LIEGE_OUTLINE), headers=world.headers(who)), status
        )
    assert_problem(await client.get(BOUNDARY), 404)
    assert (
        await client.put(BOUNDARY, json=_outline(LIEGE_OUTLINE), headers=world.headers("admin"))
    ).status_code == 200
    for who, status in (("anonymous", 401), ("staff", 403), ("beta_admin", 403)):
        assert_problem(await client.delete(BOUNDARY, headers=world.headers(who)), status)
    assert (await client.get(BOUNDARY)).status_code == 200
    assert_problem(await client.get("/v1/communes/beta/places/boundary"), 404)  # beta's is its own
