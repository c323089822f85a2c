"""Eligibility review: criteria, valuator assignments, per-criterion judgements with comments, private
notes, the aggregate administrators see, and valuators confined to their assignments."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.core.db.session import Database
from civicapi.registry import Role
from tests.fixtures.factories import World, grant, make_user
from tests.modules.proposals.helpers import Comp, assert_problem, count_rows, create, make_component


async def _criteria(client: httpx.AsyncClient, world: World, comp: Comp) -> list[str]:
    ids = []
    for label in ("Intérêt général", "Compétence communale"):
        r = await client.post(
            f"{comp.url}/criteria", json={"label": {"fr": label}}, headers=world.headers("admin")
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


async def test_criteria_are_managed_by_admins_and_read_by_valuators(
    client: httpx.AsyncClient, world: World
) -> None:
    comp = await make_component(client, world)
    first, second = await _criteria(client, world, comp)
    url = f"{comp.url}/criteria"
    assert_problem(
        await client.post(url, json={"label": {"fr": "X"}}, headers=world.headers("valuator")), 403
    )
    assert_problem(await client.get(url), 401)
    assert_problem(await client.get(url, headers=world.headers("participant")), 403)
    listed = (await client.get(url, headers=world.headers("valuator"))).json()["items"]
    assert [(c["id"], c["position"]) for c in listed] == [(first, 0), (second, 1)]
    r = await client.patch(
        f"{url}/{second}", json={"position": 0, "label": {"fr": "Compétence"}}, headers=world.headers("admin")
    )
    assert r.status_code == 200 and r.json()["label"] == {"fr": "Compétence"}
    assert_problem(
        await client.patch(f"{url}/{second}", json={"label": None}, headers=world.headers("admin")), 422
    )
    assert_problem(
        await client.patch(f"{url}/{second}", json={"weight": 2}, headers=world.headers("admin")), 422
    )
    assert (await client.delete(f"{url}/{first}", headers=world.headers("admin"))).status_code == 204
    assert_problem(await client.delete(f"{url}/{first}", headers=world.headers("admin")), 404)


async def test_the_review_workflow(client: httpx.AsyncClient, world: World, db: Database) -> None:
    comp = await make_component(client, world)
    c1, c2 = await _criteria(client, world, comp)
    proposal = await create(client, comp, world.headers("participant"))
    other = await create(client, comp, world.headers("participant"))
    url = comp.proposal(proposal["id"])
    admin, valuator = world.headers("admin"), world.headers("valuator")
    second = await make_user(db, "val2@alpha.test.org", name="Second Valuator")
    await grant(db, world.alpha, second, Role.valuator)
    second_h = world.app.state.tokens.issue(str(second.id))[0]
    second_headers = {"Authorization": f"Bearer {second_h}"}

    status = (await client.get(url + "/reviews", headers=admin)).json()
    assert status["status"] == "unassigned"
    # valuators act only on their assignments
    body: dict[str, Any] = {"criteria": [{"criterion_id": c1, "met": True}]}
    assert (
        assert_problem(await client.put(url + "/review", json=body, headers=valuator), 403)["reason"]
        == "not_assigned"
    )
    assert_problem(await client.get(url + "/reviews", headers=valuator), 403)
    # assignments: admins only, valuators only
    staff_id = str(world.users["staff"].id)
    assert_problem(await client.post(url + "/valuators", json={"user_id": staff_id}, headers=valuator), 403)
    r = await client.post(url + "/valuators", json={"user_id": staff_id}, headers=admin)
    assert assert_problem(r, 422)["errors"][0]["code"] == "not_a_valuator"
    for who in (world.users["valuator"], second):
        r = await client.post(url + "/valuators", json={"user_id": str(who.id)}, headers=admin)
        assert r.status_code == 201, r.text
    assert_problem(
        await client.post(url + "/valuators", json={"user_id": str(second.id)}, headers=admin), 409
    )
    names = [a["name"] for a in (await client.get(url + "/valuators", headers=admin)).json()["items"]]
    assert names == ["valuator", "Second Valuator"]

    before = await count_rows(db)
    bad = {"criteria": [{"criterion_id": c1, "met": True}, {"criterion_id": c1, "met": False}]}
    assert_problem(await client.put(url + "/review", json=bad, headers=valuator), 422)
    unknown = {"criteria": [{"criterion_id": proposal["id"], "met": True}]}
    assert assert_problem(await client.put(url + "/review", json=unknown, headers=valuator), 422)["errors"][
        0
    ]["code"] == ("unknown_criterion")
    assert await count_rows(db) == before

    r = await client.put(url + "/review", json={**body, "notes": "voir le service travaux"}, headers=valuator)
    assert r.status_code == 200, r.text
    assert r.json()["complete"] is False and r.json()["notes"] == "voir le service travaux"
    assert (await client.get(url + "/reviews", headers=admin)).json()["status"] == "in_review"
    r = await client.put(
        url + "/review",
        json={"criteria": [{"criterion_id": c2, "met": True, "comment": "ok"}]},
        headers=valuator,
    )
    assert r.json()["complete"] is True and len(r.json()["criteria"]) == 2
    full = {
        "criteria": [
            {"criterion_id": c1, "met": True},
            {"criterion_id": c2, "met": False, "comment": "régional"},
        ]
    }
    assert (await client.put(url + "/review", json=full, headers=second_headers)).status_code == 200

    summary = (await client.get(url + "/reviews", headers=admin)).json()
    assert summary["status"] == "disputed"
    assert [(c["met"], c["not_met"], c["verdict"]) for c in summary["criteria"]] == [
        (2, 0, "met"),
        (1, 1, "mixed"),
    ]
    assert {r["notes"] for r in summary["reviews"]} == {"voir le service travaux", ""}
    # a valuator sees their own review only, without the aggregate
    mine = (await client.get(url + "/reviews", headers=second_headers)).json()
    assert mine["status"] is None and mine["criteria"] == [] and mine["valuators"] == []
    assert [r["valuator_name"] for r in mine["reviews"]] == ["Second Valuator"]
    fix = {"criteria": [{"criterion_id": c2, "met": False}]}
    assert (await client.put(url + "/review", json=fix, headers=valuator)).status_code == 200
    assert (await client.get(url + "/reviews", headers=admin)).json()["status"] == "ineligible"

    # the queue: valuators see their assignments only; admins see every proposal
    queue = (await client.get(f"{comp.url}/reviews", headers=valuator)).json()["items"]
    assert [q["proposal_id"] for q in queue] == [proposal["id"]]
    everything = (await client.get(f"{comp.url}/reviews", params={"limit": 1}, headers=admin)).json()
    assert everything["next_cursor"] and everything["items"][0]["status"] == "ineligible"
    rest = (
        await client.get(f"{comp.url}/reviews", params={"cursor": everything["next_cursor"]}, headers=admin)
    ).json()
    assert [(q["proposal_id"], q["status"]) for q in rest["items"]] == [(other["id"], "unassigned")]
    assert_problem(await client.get(f"{comp.url}/reviews", headers=world.headers("participant")), 403)

    assert (await client.delete(f"{url}/valuators/{second.id}", headers=admin)).status_code == 204
    assert_problem(await client.delete(f"{url}/valuators/{second.id}", headers=admin), 404)
    assert_problem(await client.put(url + "/review", json=fix, headers=second_headers), 403)
