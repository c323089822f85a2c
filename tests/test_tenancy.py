"""Tenancy, checked once for every route: a resource of commune A requested through commune B is a 404.

The route table drives the test: every route under /v1/communes/{commune}/ with an ``*_id`` path parameter
is called through commune beta with the ids of alpha's resources, by beta's admin and by the platform
administrator, with every method the route has. A new route whose id parameter has no factory below fails
this test until one is registered, so new modules are covered without writing the check again.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tests.fixtures.factories import World

Factory = Callable[[httpx.AsyncClient, World, dict[str, str]], Awaitable[str]]


async def _process(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/processes",
        json={"slug": "bp-2026", "title": {"fr": "Budget participatif"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _phase(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/phases",
        json={"title": {"fr": "Vote"}, "start_date": "2026-01-01", "end_date": "2026-12-31"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _component(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/components",
        json={"module_key": "example", "name": {"fr": "Exemple"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _membership(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/members",
        json={"email": "nobody@test.org", "role": "staff"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _public_history(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    """A resource with a public history (``/history/spaces/process/{resource_id}``): the published process."""
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/publish", headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text
    return ids["process_id"]


async def _verification(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/verifications/desk",
        json={"email": "participant@alpha.test.org", "identifier": "EM 1234567"},
        headers=world.headers("staff"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


# Path parameter -> how to create such a resource in alpha (in dependency order).
async def _api_key(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/api-keys",
        json={"name": "Portal", "scopes": ["read"]},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _invitation(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        "/v1/communes/alpha/invitations",
        json={"email": "invitee@example.org", "role": "staff"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _proposal(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    """A published official proposal in a proposals component of alpha's process (the module is enabled in
    both communes, so that beta's answers come from tenancy, not from the module switch)."""
    for slug in ("alpha", "beta"):
        r = await client.put(
            f"/v1/communes/{slug}/modules/proposals", json={}, headers=world.headers("platform")
        )
        assert r.status_code == 200, r.text
    process = f"/v1/communes/alpha/processes/{ids['process_id']}"
    r = await client.post(
        f"{process}/components",
        json={
            "module_key": "proposals",
            "name": {"fr": "Idées"},
            "step_settings": {ids["phase_id"]: {"creation_enabled": True}},
        },
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    component = f"{process}/components/{r.json()['id']}"
    ids["proposals_component"] = r.json()["id"]
    assert (await client.post(f"{component}/publish", headers=world.headers("admin"))).status_code == 200
    r = await client.put(
        f"{process}/active-phase", json={"phase_id": ids["phase_id"]}, headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text
    proposals = f"/v1/communes/alpha/proposals/components/{ids['proposals_component']}/proposals"
    r = await client.post(
        proposals,
        json={"title": {"fr": "Un potager"}, "body": {"fr": "Un potager partagé."}, "official": True},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    proposal_id = str(r.json()["id"])
    r = await client.post(f"{proposals}/{proposal_id}/publish", headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    return proposal_id


async def _criterion(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        f"/v1/communes/alpha/proposals/components/{ids['proposals_component']}/criteria",
        json={"label": {"fr": "Intérêt général"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _state_token(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    r = await client.post(
        f"/v1/communes/alpha/proposals/components/{ids['proposals_component']}/states",
        json={"token": "feasible", "name": {"fr": "Faisable"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return "feasible"


async def _user(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    return str(world.users["participant"].id)


async def _accountability_status(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    """A status of an accountability component of alpha's process (the module is enabled in both communes),
    whose result (``result_id``, linked to the proposal) has a milestone (``milestone_id``)."""
    for slug in ("alpha", "beta"):
        r = await client.put(
            f"/v1/communes/{slug}/modules/accountability", json={}, headers=world.headers("platform")
        )
        assert r.status_code == 200, r.text
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/components",
        json={"module_key": "accountability", "name": {"fr": "Suivi"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    base = f"/v1/communes/alpha/accountability/components/{r.json()['id']}"
    ids["accountability_component"] = base
    r = await client.post(
        f"{base}/statuses", json={"key": "works", "name": {"fr": "Travaux"}}, headers=world.headers("admin")
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _accountability_result(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    base = ids["accountability_component"]
    r = await client.post(
        f"{base}/results", json={"title": {"fr": "Un potager"}}, headers=world.headers("admin")
    )
    assert r.status_code == 201, r.text
    result_id = str(r.json()["id"])
    r = await client.post(
        f"{base}/results/{result_id}/milestones",
        json={"entry_date": "2026-05-01", "title": {"fr": "Travaux"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    ids["milestone_id"] = str(r.json()["id"])
    return result_id


async def _accountability_milestone(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    return ids["milestone_id"]


async def _budget(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    """A budget of a budgets component of alpha's process (the module is enabled in both communes)."""
    for slug in ("alpha", "beta"):
        r = await client.put(
            f"/v1/communes/{slug}/modules/budgets", json={}, headers=world.headers("platform")
        )
        assert r.status_code == 200, r.text
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/components",
        json={"module_key": "budgets", "name": {"fr": "Budget"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    ids["budgets_component"] = base = f"/v1/communes/alpha/budgets/components/{r.json()['id']}/budgets"
    r = await client.post(
        base, json={"title": {"fr": "Ville"}, "total_amount": 1000}, headers=world.headers("admin")
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _budget_project(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    url = f"{ids['budgets_component']}/{ids['budget_id']}/projects"
    r = await client.post(url, json={"title": {"fr": "Banc"}, "cost": 10}, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _budget_count_run(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    """A count run of the budget, whose vote is closed for it."""
    budget = f"{ids['budgets_component']}/{ids['budget_id']}"
    assert (await client.post(f"{budget}/close", headers=world.headers("admin"))).status_code == 200
    r = await client.post(f"{budget}/count-runs", json={}, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _example_note(client: httpx.AsyncClient, world: World, ids: dict[str, str]) -> str:
    body = {"title": "Travaux", "body": "La rue est fermée lundi."}
    r = await client.post("/v1/communes/alpha/example/notes", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


FACTORIES: dict[str, Factory] = {
    "api_key_id": _api_key,
    "invitation_id": _invitation,
    "process_id": _process,
    "phase_id": _phase,
    "component_id": _component,
    "membership_id": _membership,
    "verification_id": _verification,
    "resource_id": _public_history,
    "proposal_id": _proposal,
    "criterion_id": _criterion,
    "token": _state_token,
    "user_id": _user,
    "status_id": _accountability_status,
    "result_id": _accountability_result,
    "milestone_id": _accountability_milestone,
    "budget_id": _budget,
    "project_id": _budget_project,
    "run_id": _budget_count_run,
    "note_id": _example_note,
}
# Path parameters that are not ids, and the value they take in the calls.
FIXED_PARAMS = {"commune": "beta", "key": "example", "resource_module": "spaces", "resource_type": "process"}
NON_RESOURCE_PARAMS = set(FIXED_PARAMS)


def _scoped_routes(app: Any) -> list[tuple[str, list[str]]]:
    """(path, methods) of every commune-scoped route with a resource id, from the app's own route table."""
    return [
        (path, [m.upper() for m in item])
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/v1/communes/{commune}/")
        and any(p.endswith("_id") for p in re.findall(r"{(\w+)}", path))
    ]


async def test_every_route_hides_other_communes_resources(
    client: httpx.AsyncClient, world: World, app: Any
) -> None:
    for slug in ("alpha", "beta"):
        r = await client.put(
            f"/v1/communes/{slug}/modules/example", json={}, headers=world.headers("platform")
        )
        assert r.status_code == 200
    routes = _scoped_routes(app)
    needed = {p for path, _ in routes for p in re.findall(r"{(\w+)}", path)} - NON_RESOURCE_PARAMS
    missing = needed - set(FACTORIES)
    assert not missing, f"register a factory for path parameter(s) {missing} in tests/test_tenancy.py"

    ids: dict[str, str] = {}
    for name, factory in FACTORIES.items():
        ids[name] = await factory(client, world, ids)

    checked = 0
    for template, methods in routes:
        path = template
        for p in re.findall(r"{(\w+)}", template):
            value = FIXED_PARAMS.get(p) or ids[p]
            path = path.replace("{" + p + "}", value)
        for method in sorted(methods):
            for who in ("beta_admin", "platform"):
                kwargs: dict[str, Any] = {"headers": world.headers(who)}
                if method in {"POST", "PUT", "PATCH"}:
                    kwargs["json"] = {}
                r = await client.request(method, path, **kwargs)
                assert r.status_code == 404, f"{method} {template} as {who}: {r.status_code} {r.text}"
                assert r.headers["content-type"] == "application/problem+json"
                checked += 1
    assert checked >= 20
    # and alpha's resources are all still there, unchanged
    r = await client.get(f"/v1/communes/alpha/processes/{ids['process_id']}", headers=world.headers("admin"))
    assert r.status_code == 200
