"""Uploading a commune's districts (PUT, a GeoJSON FeatureCollection): stored with bounding boxes and
parents, replaced as a set (codes kept keep their ids), overlaps reported; every problem listed at once in
one 422 with nothing written; commune administrators only; another commune's districts unseen."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.places.models import District
from civicapi.places.rules_districts import MAX_FEATURES, MAX_VERTICES
from tests.fixtures.factories import World
from tests.places.helpers_districts import (
    CENTRE,
    DISTRICTS,
    ILOT,
    LIEGE,
    OUTREMEUSE,
    codes,
    collection,
    feature,
    upload,
)
from tests.spaces.helpers import assert_problem


async def _rows(db: Database) -> list[tuple[str, str, Any]]:
    async with db.unit_of_work() as session:
        rows = (await session.execute(select(District).order_by(District.code))).scalars()
        return [(r.code, r.kind, r.updated_at) for r in rows]


async def test_an_upload_is_stored_with_bounding_boxes_and_parents(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await upload(client, world, LIEGE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["warnings"] == []
    assert [f["id"] for f in body["features"]] == ["centre", "outremeuse", "ilot"]
    ilot = body["features"][2]
    assert ilot["bbox"] == list(ILOT)
    assert ilot["properties"] == {
        "code": "ilot",
        "name": {"fr": "Ilot"},
        "kind": "neighbourhood",
        "parent": "centre",
    }
    # public reads: the collection and one area
    assert await codes(client) == ["centre", "outremeuse", "ilot"]
    one = await client.get(DISTRICTS + "/outremeuse")
    assert one.status_code == 200 and one.json()["geometry"]["type"] == "Polygon"
    assert one.json()["bbox"] == list(OUTREMEUSE) and one.headers["etag"]


async def test_a_name_given_as_a_string_is_in_the_default_locale(
    client: httpx.AsyncClient, world: World
) -> None:
    r = await upload(client, world, collection(feature("centre", CENTRE, name="Centre-ville")))
    assert r.status_code == 200, r.text
    assert r.json()["features"][0]["properties"]["name"] == {"fr": "Centre-ville"}


async def test_a_new_upload_replaces_the_set_and_keeps_the_ids_of_codes_kept(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    assert (await upload(client, world, LIEGE)).status_code == 200
    async with db.unit_of_work() as session:
        before = {d.code: d.id for d in (await session.execute(select(District))).scalars()}
    # ilot moves under outremeuse (reshaped), centre goes, sainte-marguerite comes
    new = collection(
        feature("outremeuse", OUTREMEUSE, name={"fr": "Outremeuse", "nl": "Overmaas"}),
        feature("ilot", (5.61, 50.63, 5.62, 50.64), kind="neighbourhood", parent="outremeuse"),
        feature("sainte-marguerite", (5.50, 50.62, 5.55, 50.66)),
    )
    r = await upload(client, world, new)
    assert r.status_code == 200, r.text
    assert await codes(client) == ["outremeuse", "sainte-marguerite", "ilot"]
    async with db.unit_of_work() as session:
        after = {d.code: d for d in (await session.execute(select(District))).scalars()}
        entries = list(
            (await session.execute(select(AuditEntry).where(AuditEntry.action.like("places.%")))).scalars()
        )
    assert after["outremeuse"].id == before["outremeuse"] and after["ilot"].id == before["ilot"]
    assert after["ilot"].parent_id == after["outremeuse"].id
    assert after["outremeuse"].name == {"fr": "Outremeuse", "nl": "Overmaas"}
    replaced = [e for e in entries if e.action == "places.district.replace"]
    assert len(replaced) == 2
    last = max(replaced, key=lambda e: e.created_at)
    assert last.changes["codes"] == [
        ["centre", "ilot", "outremeuse"],
        ["ilot", "outremeuse", "sainte-marguerite"],
    ]
    assert last.changes["changed"] == [None, ["ilot", "outremeuse"]]
    # an empty collection removes every area
    assert (await upload(client, world, collection())).status_code == 200
    assert await codes(client) == []


async def test_overlaps_of_the_same_kind_are_reported_not_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    body = collection(
        feature("centre", CENTRE),
        feature("outremeuse", (5.59, 50.62, 5.65, 50.66)),  # a fifth of centre's width over centre
        feature("ilot", ILOT, kind="neighbourhood", parent="centre"),
    )
    r = await upload(client, world, body)
    assert r.status_code == 200, r.text
    (warning,) = r.json()["warnings"]
    assert warning["reason"] == "overlap" and warning["kind"] == "district"
    assert warning["codes"] == ["centre", "outremeuse"] and abs(warning["share"] - 0.2) < 0.01
    # touching along a border is no overlap
    assert (await upload(client, world, LIEGE)).json()["warnings"] == []


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[5.55, 50.62], [5.60, 50.66], [5.60, 50.62], [5.55, 50.66], [5.55, 50.62]]],
}


async def test_every_problem_is_listed_at_once_and_nothing_is_written(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    assert (await upload(client, world, LIEGE)).status_code == 200
    before = await _rows(db)
    bad = collection(
        feature("point", {"type": "Point", "coordinates": [5.57, 50.63]}),  # 0
        feature("bowtie", BOWTIE),  # 1
        feature(
            "open", {"type": "Polygon", "coordinates": [[[5.5, 50.6], [5.6, 50.6], [5.6, 50.7], [5.5, 50.7]]]}
        ),  # 2
        feature("short", {"type": "Polygon", "coordinates": [[[5.5, 50.6], [5.6, 50.6], [5.5, 50.6]]]}),  # 3
        feature("far", (190.0, 50.0, 191.0, 51.0)),  # 4
        feature("centre", CENTRE),  # 5
        feature("centre", OUTREMEUSE),  # 6: a duplicate code
        feature("orphan", ILOT, kind="neighbourhood", parent="nowhere"),  # 7
        feature("astray", (5.61, 50.63, 5.62, 50.64), kind="neighbourhood", parent="centre"),  # 8
        feature("lost", ILOT, kind="neighbourhood"),  # 9
        feature("nested", ILOT, kind="neighbourhood", parent="astray"),  # 10
        feature("klingon", CENTRE, name={"tlh": "Centre"}),  # 11
        feature("adopted", (5.50, 50.62, 5.55, 50.66), parent="centre"),  # 12
    )
    r = await upload(client, world, bad)
    problem = assert_problem(r, 422, type_="/problems/places-districts-invalid")
    found = {(e["feature"], e["reason"]) for e in problem["errors"]}
    assert found >= {
        (0, "not_a_polygon"),
        (1, "self_intersection"),
        (2, "ring_not_closed"),
        (3, "ring_too_short"),
        (4, "out_of_range"),
        (6, "duplicate_code"),
        (7, "unknown_parent"),
        (8, "outside_parent"),
        (9, "parent_required"),
        (10, "parent_not_a_district"),
        (11, "unknown_locale"),
        (12, "parent_not_allowed"),
    }, problem["errors"]
    bowtie = next(e for e in problem["errors"] if e["feature"] == 1)
    assert (
        bowtie["area"] == "bowtie"
        and bowtie["code"] == "self_intersection"
        and "Self-intersection" in bowtie["detail"]
    )
    assert problem["reason"] == "not_a_polygon"
    assert await _rows(db) == before


async def test_the_size_caps_are_enforced(client: httpx.AsyncClient, world: World, db: Database) -> None:
    many = collection(
        *(
            feature(f"d{n}", (5.0 + n * 0.001, 50.0, 5.0005 + n * 0.001, 50.001))
            for n in range(MAX_FEATURES + 1)
        )
    )
    problem = assert_problem(await upload(client, world, many), 422)
    assert {k: v for k, v in problem["errors"][0].items() if k not in ("detail", "message")} == {
        "location": ["body"],
        "code": "too_many_features",
        "feature": None,
        "area": None,
        "reason": "too_many_features",
    }
    # a shape of too many positions: a circle-like ring
    import math

    n = MAX_VERTICES + 10
    circle = [
        [5.57 + 0.01 * math.cos(2 * math.pi * i / n), 50.63 + 0.01 * math.sin(2 * math.pi * i / n)]
        for i in range(n)
    ]
    circle.append(circle[0])
    big = collection(feature("round", {"type": "Polygon", "coordinates": [circle]}))
    problem = assert_problem(await upload(client, world, big), 422)
    assert problem["reason"] == "too_many_vertices"
    assert await _rows(db) == []


async def test_a_bad_structure_is_a_422_at_the_field(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    r = await upload(
        client, world, {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {}}]}
    )
    problem = assert_problem(r, 422, type_="/problems/invalid-input")
    assert ["body", "features", 0, "properties"] in [e["location"] for e in problem["errors"]]
    r = await upload(client, world, collection(feature("bad code!", CENTRE)))
    assert_problem(r, 422)
    assert await _rows(db) == []


async def test_only_the_communes_administrators_upload(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    for who, status in (("anonymous", 401), ("participant", 403), ("staff", 403), ("beta_admin", 403)):
        assert_problem(await upload(client, world, LIEGE, who), status)
    assert await _rows(db) == []
    assert (await upload(client, world, LIEGE, "admin")).status_code == 200


async def test_another_communes_districts_are_unseen(client: httpx.AsyncClient, world: World) -> None:
    assert (await upload(client, world, LIEGE)).status_code == 200
    assert await codes(client, "beta") == []
    assert_problem(await client.get("/v1/communes/beta/places/districts/centre"), 404)
    headers = world.headers("beta_admin")
    assert_problem(await client.delete("/v1/communes/beta/places/districts/centre", headers=headers), 404)
    r = await client.patch("/v1/communes/beta/places/districts/centre", json={"name": "X"}, headers=headers)
    assert_problem(r, 404)
    # beta uploads its own districts under the same codes: both communes keep theirs
    assert (await upload(client, world, LIEGE, "beta_admin", "beta")).status_code == 200
    assert await codes(client) == await codes(client, "beta") == ["centre", "outremeuse", "ilot"]
    assert_problem(await client.get("/v1/communes/nowhere/places/districts"), 404)
