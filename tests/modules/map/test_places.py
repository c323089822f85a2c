"""GET /map/places: the commune's places as GeoJSON, filtered, in keyset pages, with only what the caller
may see (the component's rule, the module switch, the owning module's rule for unpublished places)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from civicapi.core.db.session import Database
from civicapi.registry import ResourceType
from tests.fixtures.factories import World
from tests.modules.map.helpers import component, enable_all, ids, place, result, url
from tests.places.test_index import add_district
from tests.spaces.helpers import assert_problem


async def test_places_answer_geojson_with_the_resource_and_its_properties(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db, "accountability")
    comp = await component(db, world.alpha, "accountability")
    await add_district(db, world.alpha.id, "centre", (5.55, 50.62, 5.60, 50.66))
    rid = await result(db, world.alpha, comp)
    await place(
        db,
        world.alpha,
        comp,
        5.58,
        50.64,
        module="accountability",
        type_="result",
        resource_id=rid,
        status="works",
        category="parks",
        title={"fr": "Un potager"},
    )

    r = await client.get(f"{url()}/places")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["type"] == "FeatureCollection" and body["next_cursor"] is None
    [feature] = body["features"]
    assert feature == {
        "type": "Feature",
        "id": str(rid),
        "geometry": {"type": "Point", "coordinates": [5.58, 50.64]},
        "properties": {
            "module": "accountability",
            "type": "result",
            "component": str(comp),
            "title": {"fr": "Un potager"},
            "status": "works",
            "category": "parks",
            "district": "centre",
            "url": f"/v1/communes/alpha/accountability/components/{comp}/results/{rid}",
        },
    }


async def test_places_are_filtered_on_every_criterion(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db, "proposals", "agenda")
    ideas = await component(db, world.alpha, "proposals")
    meetings = await component(db, world.alpha, "agenda")
    await add_district(db, world.alpha.id, "centre", (5.55, 50.62, 5.60, 50.66))
    await add_district(db, world.alpha.id, "outremeuse", (5.60, 50.62, 5.65, 50.66))
    bench = await place(db, world.alpha, ideas, 5.57, 50.63, status="accepted", category="parks")
    tree = await place(db, world.alpha, ideas, 5.62, 50.63, status="evaluating", category="nature")
    march = datetime(2026, 3, 10, 18, tzinfo=UTC)
    meeting = await place(
        db, world.alpha, meetings, 5.61, 50.64, module="agenda", type_="meeting", occurs_at=march
    )
    far = await place(db, world.alpha, ideas, 4.35, 50.85)  # Brussels

    async def only(**params: Any) -> set[str]:
        r = await client.get(f"{url()}/places", params=params)
        assert r.status_code == 200, r.text
        return ids(r.json())

    assert await only() == {str(bench), str(tree), str(meeting), str(far)}
    assert await only(module="agenda") == {str(meeting)}
    assert await only(type="proposal") == {str(bench), str(tree), str(far)}
    assert await only(component=str(meetings)) == {str(meeting)}
    assert await only(status="accepted") == {str(bench)}
    assert await only(category="nature") == {str(tree)}
    assert await only(district="outremeuse") == {str(tree), str(meeting)}
    assert await only(**{"from": "2026-03-10T00:00:00Z", "to": "2026-03-11T00:00:00Z"}) == {str(meeting)}
    assert await only(**{"from": "2026-03-11T00:00:00"}) == set()
    assert await only(bbox="5.5,50.6,5.7,50.7") == {str(bench), str(tree), str(meeting)}
    assert await only(bbox="5.5,50.6,5.6,50.7", status="accepted") == {str(bench)}


@pytest.mark.parametrize(
    ("bbox", "reason"),
    [
        ("5.5,50.6,5.7", "bbox_malformed"),
        ("a,b,c,d", "bbox_malformed"),
        ("5.5,50.6,nan,50.7", "bbox_malformed"),
        ("5.5,50.6,190,50.7", "bbox_out_of_range"),
        ("5.5,-91,5.7,50.7", "bbox_out_of_range"),
        ("5.7,50.6,5.5,50.7", "bbox_inverted"),
        ("5.5,50.7,5.7,50.6", "bbox_inverted"),
    ],
)
async def test_a_bad_bounding_box_is_a_problem_with_a_reason(
    client: httpx.AsyncClient, world: World, db: Database, bbox: str, reason: str
) -> None:
    await enable_all(world, db)
    for route in ("places", "clusters?zoom=3", "districts"):
        sep = "&" if "?" in route else "?"
        r = await client.get(f"{url()}/{route}{sep}bbox={bbox}")
        body = assert_problem(r, 422, type_="/problems/map-invalid-query")
        assert body["reason"] == reason


async def test_inverted_dates_and_a_forged_cursor_are_refused(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db)
    r = await client.get(
        f"{url()}/places", params={"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}
    )
    assert assert_problem(r, 422)["reason"] == "dates_inverted"
    assert_problem(await client.get(f"{url()}/places", params={"cursor": "garbage"}), 422)
    assert_problem(await client.get(f"{url()}/places", params={"limit": 501}), 422)


async def test_places_come_in_keyset_pages_with_a_link_header(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db, "proposals")
    comp = await component(db, world.alpha)
    # West to east; places on one meridian (the same mx) are ordered by the index row's id.
    made = [await place(db, world.alpha, comp, 5.5 + (i // 2) / 100, 50.6 + i / 100) for i in range(5)]

    seen: list[str] = []
    r = await client.get(f"{url()}/places", params={"limit": 2})
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["features"]) <= 2
        seen += [f["id"] for f in body["features"]]
        if body["next_cursor"] is None:
            assert "Link" not in r.headers
            break
        assert 'rel="next"' in r.headers["Link"] and body["next_cursor"] in r.headers["Link"]
        r = await client.get(f"{url()}/places", params={"limit": 2, "cursor": body["next_cursor"]})
    assert len(seen) == 5 and set(seen) == {str(m) for m in made}
    longitudes = [5.5 + (made.index(uuid.UUID(s)) // 2) / 100 for s in seen]
    assert longitudes == sorted(longitudes)


async def test_only_places_the_caller_may_see_appear(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db, "proposals", "accountability")
    await enable_all(world, db, "proposals", commune="beta")
    public = await component(db, world.alpha)
    draft_component = await component(db, world.alpha, published=False)
    draft_process = await component(db, world.alpha, process_published=False)
    disabled = await component(db, world.alpha, "agenda")  # agenda is not enabled in alpha
    results = await component(db, world.alpha, "accountability")

    shown = await place(db, world.alpha, public)
    in_draft = await place(db, world.alpha, draft_component)
    in_draft_process = await place(db, world.alpha, draft_process)
    await place(db, world.alpha, disabled, module="agenda", type_="meeting")
    await place(db, world.beta, await component(db, world.beta))  # beta's
    # Unpublished places: their module decides (a result it serves is seen; an unknown resource is not).
    rid = await result(db, world.alpha, results)
    asked = await place(
        db, world.alpha, results, module="accountability", type_="result", resource_id=rid, published=False
    )
    await place(db, world.alpha, results, module="accountability", type_="result", published=False)
    await place(db, world.alpha, public, published=False)  # a proposal its module does not know
    await place(db, world.alpha, None, module="nowhere", type_="thing")  # no module serves it

    public_view = {str(shown), str(asked)}
    for who in ("anonymous", "participant", "beta_admin"):
        r = await client.get(f"{url()}/places", headers=world.headers(who))
        assert r.status_code == 200, r.text
        assert ids(r.json()) == public_view, who
    # Who previews (spaces.preview) also sees the places of unpublished components and processes.
    r = await client.get(f"{url()}/places", headers=world.headers("admin"))
    assert ids(r.json()) == public_view | {str(in_draft), str(in_draft_process)}
    # Beta's map shows beta's place only.
    r = await client.get(f"{url('beta')}/places")
    assert r.status_code == 200 and len(r.json()["features"]) == 1


async def test_the_module_is_asked_once_per_type_and_page_never_per_place(
    client: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await enable_all(world, db, "accountability", "proposals")
    results = await component(db, world.alpha, "accountability")
    ideas = await component(db, world.alpha, "proposals")
    for _ in range(6):
        rid = await result(db, world.alpha, results)
        await place(
            db,
            world.alpha,
            results,
            module="accountability",
            type_="result",
            resource_id=rid,
            published=False,
        )
        await place(db, world.alpha, ideas, published=False)
    calls: list[tuple[str, int]] = []
    registry = world.app.state.registry
    original = type(registry).resource_type

    def counting(self: Any, module: str, name: str) -> ResourceType:
        rtype = original(self, module, name)

        async def visible(session: Any, commune_id: uuid.UUID, caller: Any, wanted: Any) -> set[uuid.UUID]:
            calls.append((f"{module}.{name}", len(wanted)))
            return await rtype.visible(session, commune_id, caller, wanted)

        return ResourceType(rtype.name, rtype.title, visible, rtype.describe)

    monkeypatch.setattr(type(registry), "resource_type", counting)
    r = await client.get(f"{url()}/places", params={"limit": 500})
    assert r.status_code == 200 and len(r.json()["features"]) == 6
    assert sorted(calls) == [("accountability.result", 6), ("proposals.proposal", 6)]
