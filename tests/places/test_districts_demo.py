"""The demo commune's districts: seeded once, and each district budget's projects lie in the district of
the same name (the demo census's districts)."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.config import Settings
from civicapi.demo import seed_demo
from civicapi.modules.budgets.demo import BUDGETS

LOCATE = "/v1/communes/demo/places/locate"


async def test_the_demo_has_districts_around_its_projects(
    settings: Settings, client: httpx.AsyncClient, db: Any
) -> None:
    await seed_demo(settings)
    await seed_demo(settings)  # nothing added the second time
    r = await client.get("/v1/communes/demo/places/districts")
    assert r.status_code == 200, r.text
    features = r.json()["features"]
    assert [f["id"] for f in features] == ["Centre", "Nord", "Sud", "Carre"]
    assert features[3]["properties"]["parent"] == "Centre"
    checked = 0
    for district, _amount, _title, projects in BUDGETS:
        for *_, lat, lon in projects:
            located = (await client.get(LOCATE, params={"lat": lat, "lon": lon})).json()
            assert located["district"] is not None, (lat, lon)
            if district is not None:
                assert located["district"]["code"] == district, (district, lat, lon)
            checked += 1
    assert checked >= 12
