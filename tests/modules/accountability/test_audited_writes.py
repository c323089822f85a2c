"""Statuses and milestones are written through the kit's audited writes: each create, change and delete
leaves one entry with what changed (public when the component is), and an edit that changes nothing
leaves none."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.factories import World
from tests.modules.accountability.helpers import make_component, make_result, make_status


async def _entries(
    client: httpx.AsyncClient, world: World, resource_type: str, resource_id: str
) -> list[Any]:
    r = await client.get(
        "/v1/communes/alpha/audit",
        params={
            "resource_module": "accountability",
            "resource_type": resource_type,
            "resource_id": resource_id,
            "sort": "created_at",
        },
        headers=world.headers("admin"),
    )
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_a_status_and_a_milestone_leave_one_entry_per_real_change(
    client: httpx.AsyncClient, world: World
) -> None:
    comp = await make_component(client, world)
    admin = world.headers("admin")
    status = await make_status(client, world, comp, "works", progress=50)
    r = await client.patch(f"{comp.statuses}/{status['id']}", json={"progress": 60}, headers=admin)
    assert r.status_code == 200, r.text
    r = await client.patch(f"{comp.statuses}/{status['id']}", json={"progress": 60}, headers=admin)
    assert r.status_code == 200, r.text
    r = await client.delete(f"{comp.statuses}/{status['id']}", headers=admin)
    assert r.status_code == 204, r.text
    entries = await _entries(client, world, "status", status["id"])
    assert [e["action"] for e in entries] == [
        "accountability.status.create",
        "accountability.status.update",
        "accountability.status.delete",
    ]
    assert entries[0]["changes"]["key"] == [None, "works"]
    assert entries[1]["changes"] == {"progress": [50, 60]}
    assert entries[2]["changes"]["progress"] == [60, None]
    assert all(e["visibility"] == "public" for e in entries)

    result = await make_result(client, world, comp)
    url = comp.milestones(result["id"])
    r = await client.post(url, json={"entry_date": "2026-05-01", "title": {"fr": "Début"}}, headers=admin)
    assert r.status_code == 201, r.text
    milestone = r.json()["id"]
    r = await client.patch(f"{url}/{milestone}", json={"title": {"fr": "Début des travaux"}}, headers=admin)
    assert r.status_code == 200, r.text
    entries = await _entries(client, world, "milestone", milestone)
    assert [e["action"] for e in entries] == [
        "accountability.milestone.create",
        "accountability.milestone.update",
    ]
    assert entries[1]["changes"] == {"title": [{"fr": "Début"}, {"fr": "Début des travaux"}]}
