"""One district at a time: POST adds (201, Location; a taken code is 409), PATCH applies the fields sent
(ETag, If-Match), DELETE removes a district with its neighbourhoods; checked against the stored set
(parents, overlaps reported); audited; commune administrators only."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.places.helpers_districts import CENTRE, DISTRICTS, ILOT, LIEGE, codes, feature, polygon, upload
from tests.spaces.helpers import assert_problem


async def _actions(db: Database) -> list[tuple[str, str | None]]:
    async with db.unit_of_work() as session:
        stmt = select(AuditEntry).where(AuditEntry.action.like("places.%")).order_by(AuditEntry.created_at)
        return [
            (
                e.action,
                (e.changes.get("code") or [None, None])[0] or (e.changes.get("code") or [None, None])[1],
            )
            for e in (await session.execute(stmt)).scalars()
        ]


async def test_a_district_is_added_edited_and_removed(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    admin = world.headers("admin")
    r = await client.post(DISTRICTS, json=feature("centre", CENTRE), headers=admin)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/v1/communes/alpha/places/districts/centre"
    assert r.json()["bbox"] == list(CENTRE) and r.json()["warnings"] == []
    r = await client.post(
        DISTRICTS, json=feature("ilot", ILOT, kind="neighbourhood", parent="centre"), headers=admin
    )
    assert r.status_code == 201 and r.json()["properties"]["parent"] == "centre"
    # overlapping centre: added, and reported
    r = await client.post(DISTRICTS, json=feature("nord", (5.58, 50.65, 5.62, 50.70)), headers=admin)
    assert r.status_code == 201, r.text
    assert [(w["codes"], w["kind"]) for w in r.json()["warnings"]] == [(["centre", "nord"], "district")]

    read = await client.get(DISTRICTS + "/nord")
    etag = read.headers["etag"]
    r = await client.patch(
        DISTRICTS + "/nord", json={"name": {"fr": "Nord", "nl": "Noord"}}, headers={**admin, "If-Match": etag}
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["name"] == {"fr": "Nord", "nl": "Noord"} and r.headers["etag"] != etag
    stale = await client.patch(DISTRICTS + "/nord", json={"name": "X"}, headers={**admin, "If-Match": etag})
    assert_problem(stale, 412)

    r = await client.delete(DISTRICTS + "/centre", headers=admin)
    assert r.status_code == 204
    assert await codes(client) == ["nord"]
    assert_problem(await client.get(DISTRICTS + "/centre"), 404)
    assert_problem(await client.delete(DISTRICTS + "/centre", headers=admin), 404)
    actions = await _actions(db)
    assert actions[:4] == [
        ("places.district.create", "centre"),
        ("places.district.create", "ilot"),
        ("places.district.create", "nord"),
        ("places.district.update", None),
    ]
    # one unit of work removed centre and its neighbourhood
    assert sorted(actions[4:]) == [("places.district.delete", "centre"), ("places.district.delete", "ilot")]


async def test_one_district_is_checked_against_the_stored_set(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    admin = world.headers("admin")
    assert (await upload(client, world, LIEGE)).status_code == 200
    before = (await client.get(DISTRICTS)).json()
    r = await client.post(DISTRICTS, json=feature("centre", (5.0, 50.0, 5.1, 50.1)), headers=admin)
    assert assert_problem(r, 409)["reason"] == "code_taken"
    r = await client.post(
        DISTRICTS, json=feature("x", ILOT, kind="neighbourhood", parent="nowhere"), headers=admin
    )
    assert assert_problem(r, 422)["errors"][0] == {
        "location": ["body", "features", 0],
        "message": "no district 'nowhere'",
        "code": "unknown_parent",
        "feature": 0,
        "area": "x",
        "reason": "unknown_parent",
        "detail": "no district 'nowhere'",
    }
    # centre has a neighbourhood: it cannot become one
    r = await client.patch(
        DISTRICTS + "/centre", json={"kind": "neighbourhood", "parent": "outremeuse"}, headers=admin
    )
    assert assert_problem(r, 422)["reason"] == "has_neighbourhoods"
    # centre shrinks away from ilot: the stored neighbourhood is named
    r = await client.patch(
        DISTRICTS + "/centre", json={"geometry": polygon((5.55, 50.62, 5.57, 50.63))}, headers=admin
    )
    problem = assert_problem(r, 422)
    (error,) = problem["errors"]
    assert (error["feature"], error["area"], error["reason"], error["location"]) == (
        None,
        "ilot",
        "outside_parent",
        ["body"],
    )
    r = await client.patch(
        DISTRICTS + "/ilot",
        json={"geometry": {"type": "LineString", "coordinates": [[5.5, 50.6], [5.6, 50.7]]}},
        headers=admin,
    )
    assert assert_problem(r, 422)["reason"] == "not_a_polygon"
    assert_problem(await client.patch(DISTRICTS + "/ilot", json={"geometry": None}, headers=admin), 422)
    assert (await client.get(DISTRICTS)).json() == before
    # a neighbourhood moves to another district
    r = await client.patch(
        DISTRICTS + "/ilot",
        json={"parent": "outremeuse", "geometry": polygon((5.61, 50.63, 5.62, 50.64))},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["parent"] == "outremeuse"


async def test_only_the_communes_administrators_write_one(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    assert (await upload(client, world, LIEGE)).status_code == 200
    before = (await client.get(DISTRICTS)).json()
    for who, status in (("anonymous", 401), ("participant", 403), ("moderator", 403), ("beta_admin", 403)):
        headers = world.headers(who)
        assert_problem(await client.post(DISTRICTS, json=feature("nord", CENTRE), headers=headers), status)
        assert_problem(await client.patch(DISTRICTS + "/centre", json={"name": "X"}, headers=headers), status)
        assert_problem(await client.delete(DISTRICTS + "/centre", headers=headers), status)
    assert (await client.get(DISTRICTS)).json() == before
