"""GET /map/districts: the districts as GeoJSON with the figures of the places the caller sees in each,
summed in SQL from the places' figures (JSON extraction on both backends)."""

from __future__ import annotations

import httpx

from civicapi.core.db.session import Database
from civicapi.places.models import NEIGHBOURHOOD
from tests.fixtures.factories import World
from tests.modules.map.helpers import component, enable_all, place, url
from tests.places.test_index import add_district, square


async def test_districts_carry_the_figures_of_their_visible_places(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_all(world, db, "proposals", "budgets", "accountability")
    centre = await add_district(db, world.alpha.id, "centre", (5.55, 50.62, 5.60, 50.66))
    await add_district(db, world.alpha.id, "outremeuse", (5.60, 50.62, 5.65, 50.66))
    await add_district(
        db, world.alpha.id, "ilot", (5.58, 50.64, 5.60, 50.66), kind=NEIGHBOURHOOD, parent_id=centre
    )
    await add_district(db, world.beta.id, "beta-centre", (5.55, 50.62, 5.60, 50.66))
    ideas = await component(db, world.alpha, "proposals")
    projects = await component(db, world.alpha, "budgets")
    results = await component(db, world.alpha, "accountability")
    hidden = await component(db, world.alpha, "proposals", published=False)

    await place(db, world.alpha, ideas, 5.59, 50.65, figures={"supports": 12})  # centre and ilot
    await place(db, world.alpha, ideas, 5.56, 50.63, figures={"supports": 3})
    await place(db, world.alpha, hidden, 5.56, 50.63, figures={"supports": 1000})  # not seen
    await place(
        db,
        world.alpha,
        projects,
        5.57,
        50.63,
        module="budgets",
        type_="project",
        figures={"amount": 50000, "selected": True},
    )
    await place(
        db,
        world.alpha,
        projects,
        5.57,
        50.64,
        module="budgets",
        type_="project",
        figures={"amount": 20000.5, "selected": False},
    )
    await place(
        db,
        world.alpha,
        results,
        5.62,
        50.63,
        module="accountability",
        type_="result",
        figures={"progress": 40},
    )
    await place(
        db,
        world.alpha,
        results,
        5.63,
        50.63,
        module="accountability",
        type_="result",
        figures={"progress": 100},
    )
    await place(db, world.alpha, results, 5.64, 50.63, module="accountability", type_="result")

    r = await client.get(f"{url()}/districts")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geo+json"
    features = {f["id"]: f for f in r.json()["features"]}
    assert list(features) == ["centre", "ilot", "outremeuse"]
    centre_f = features["centre"]
    assert centre_f["geometry"] == square(5.55, 50.62, 5.60, 50.66)
    assert centre_f["bbox"] == [5.55, 50.62, 5.60, 50.66]
    assert centre_f["properties"] == {
        "code": "centre",
        "name": {"fr": "centre"},
        "kind": "district",
        "parent": None,
        "places": {"proposals.proposal": 2, "budgets.project": 2},
        "supports": 15.0,
        "amount": 70000.5,
        "amount_selected": 50000.0,
        "selected": 1,
        "progress": None,
    }
    ilot = features["ilot"]["properties"]
    assert (ilot["parent"], ilot["places"], ilot["supports"]) == ("centre", {"proposals.proposal": 1}, 12.0)
    outremeuse = features["outremeuse"]["properties"]
    assert outremeuse["places"] == {"accountability.result": 3}
    assert outremeuse["progress"] == 70.0 and outremeuse["supports"] == 0.0

    # The filters choose the places counted; the bounding box, the districts.
    r = await client.get(f"{url()}/districts", params={"module": "budgets", "bbox": "5.50,50.60,5.575,50.70"})
    [only] = r.json()["features"]
    assert only["id"] == "centre" and only["properties"]["places"] == {"budgets.project": 2}
    # Who previews counts the hidden component's place too.
    r = await client.get(f"{url()}/districts", headers=world.headers("admin"))
    assert {f["id"]: f for f in r.json()["features"]}["centre"]["properties"]["supports"] == 1015.0
