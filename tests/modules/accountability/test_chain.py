"""The whole chain through the HTTP API, across three modules that never import each other: a proposal is
accepted with a cost, imported as a budget project, voted, counted and selected, imported as a result,
updated by an integrator's key; the proposal then shows its result."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.factories import World
from tests.spaces.helpers import DAY, brussels_today, create_phase, create_process

A = "/v1/communes/alpha"


async def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    return r.json() if r.content else None


async def _component(
    client: httpx.AsyncClient, world: World, process_id: str, phase_id: str, key: str, step: dict[str, Any]
) -> str:
    admin = world.headers("admin")
    body = {"module_key": key, "name": {"fr": key}, "step_settings": {phase_id: step}}
    component = (
        await _ok(await client.post(f"{A}/processes/{process_id}/components", json=body, headers=admin), 201)
    )["id"]
    await _ok(await client.post(f"{A}/processes/{process_id}/components/{component}/publish", headers=admin))
    return str(component)


async def test_proposal_to_result(client: httpx.AsyncClient, world: World) -> None:
    admin = world.headers("admin")
    for key in ("proposals", "budgets", "accountability"):
        await _ok(await client.put(f"{A}/modules/{key}", json={}, headers=admin))
    process = await create_process(client, world, "bp-2026", publish=True)
    today = brussels_today()
    phase = await create_phase(client, world, process["id"], today - DAY, today + 30 * DAY)
    await _ok(
        await client.put(
            f"{A}/processes/{process['id']}/active-phase", json={"phase_id": phase["id"]}, headers=admin
        )
    )
    ideas = await _component(
        client, world, process["id"], phase["id"], "proposals", {"creation_enabled": True}
    )
    votes = await _component(client, world, process["id"], phase["id"], "budgets", {"votes": "enabled"})
    follow = await _component(client, world, process["id"], phase["id"], "accountability", {})

    # 1. a proposal, accepted with a cost
    proposals = f"{A}/proposals/components/{ideas}/proposals"
    body = {
        "title": {"fr": "Un potager collectif"},
        "body": {"fr": "Des bacs de culture sur la place."},
        "official": True,
    }
    proposal = (await _ok(await client.post(proposals, json=body, headers=admin), 201))["id"]
    await _ok(await client.post(f"{proposals}/{proposal}/publish", headers=admin))
    answer = {"state": "accepted", "answer": {"fr": "Retenue."}, "cost": 12_000}
    await _ok(await client.put(f"{proposals}/{proposal}/answer", json=answer, headers=admin))
    r = await client.post(
        f"{A}/proposals/components/{ideas}/answers/publish", json={"proposal_ids": None}, headers=admin
    )
    assert r.status_code in (200, 204), r.text

    # 2. imported as a budget project, voted, counted and selected
    budgets = f"{A}/budgets/components/{votes}/budgets"
    budget = (
        await _ok(
            await client.post(
                budgets, json={"title": {"fr": "Budget"}, "total_amount": 50_000}, headers=admin
            ),
            201,
        )
    )["id"]
    imported = await _ok(await client.post(f"{budgets}/{budget}/proposal-imports", json={}, headers=admin))
    project = imported["imported"][0]["id"]
    ballot = f"{budgets}/{budget}/ballot"
    r = await client.post(ballot, json={"projects": [project]}, headers=world.headers("participant"))
    assert r.status_code in (200, 201), r.text
    await _ok(await client.post(f"{budgets}/{budget}/close", headers=admin))
    r = await client.post(
        f"{budgets}/{budget}/count-runs", json={"publish": True, "background": False}, headers=admin
    )
    assert r.status_code in (200, 201), r.text

    # 3. imported as a result, linked to the project and the proposal
    results = f"{A}/accountability/components/{follow}"
    done = await _ok(await client.post(f"{results}/budget-imports", json={}, headers=admin))
    assert len(done["imported"]) == 1, done
    result = done["imported"][0]
    assert result["planned_amount"] == 12_000 and result["title"] == {"fr": "Un potager collectif"}
    assert {(link["name"], link["id"]) for link in result["links"]} == {
        ("included_projects", project),
        ("included_proposals", proposal),
    }

    # 4. updated by the commune's project-management system with an integrator key
    key = await _ok(
        await client.post(
            f"{A}/api-keys", json={"name": "ERP", "scopes": ["write:accountability"]}, headers=admin
        ),
        201,
    )
    integrator = {"X-API-Key": key["key"]}
    await _ok(
        await client.patch(
            f"{results}/results/{result['id']}/progress", json={"progress": 60}, headers=integrator
        )
    )
    milestone = {"entry_date": str(today), "title": {"fr": "Bacs livrés"}}
    await _ok(
        await client.post(f"{results}/results/{result['id']}/milestones", json=milestone, headers=integrator),
        201,
    )

    # 5. the proposal shows what became of it, to anyone
    shown = await _ok(await client.get(f"{A}/accountability/proposals/{proposal}/results"))
    assert [(x["id"], x["progress"]) for x in shown["items"]] == [(result["id"], 60)]
