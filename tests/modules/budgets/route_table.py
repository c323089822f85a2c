"""The budgets module's route table: who may call each write operation, how to make the resources in its
paths, valid-enough requests, and the resources the tenancy check asks for through another commune."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.testing import (
    Authenticated,
    Ctx,
    People,
    Perm,
    RouteTable,
    Verified,
    json_body,
    register,
    tenancy_component,
)
from tests.identity.verification_helpers import BRUNO

VOTE_FORBIDDEN = "budgets-vote-forbidden"
"""The budgets module's 403 for voters: ``requirements_not_met`` (the component's vote requirements)."""

BUDGETS = "/budgets/components/{component_id}/budgets"


async def _budget(ctx: Ctx) -> str:
    """A budget with one project (``project_id``), which the resident put in their ballot in progress."""
    base = BUDGETS.format(**ctx.ids)
    body = {"title": {"fr": "Budget participatif"}, "total_amount": 100_000}
    budget = str((await ctx.call("POST", base, body, ok=201))["id"])
    body = {"title": {"fr": "Un potager collectif"}, "cost": 10_000}
    ctx.ids["project_id"] = str((await ctx.call("POST", f"{base}/{budget}/projects", body, ok=201))["id"])
    body = {"project_id": ctx.ids["project_id"]}
    await ctx.call("POST", f"{base}/{budget}/ballot/projects", body, who="resident")
    return budget


async def _count_run(ctx: Ctx) -> str:
    """A finished, unpublished count run of the budget, whose vote is closed for it."""
    base = BUDGETS.format(**ctx.ids) + f"/{ctx.ids['budget_id']}"
    await ctx.call("POST", f"{base}/close")
    body = {"publish": False, "background": False}
    return str((await ctx.call("POST", f"{base}/count-runs", body, ok=201))["id"])


async def _tenancy_budget(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    """A budget of a budgets component of alpha's process (the module is enabled in both communes)."""
    component = await tenancy_component(client, world, ids, "budgets", name={"fr": "Budget"})
    ids["budgets_component"] = base = f"/v1/communes/alpha/budgets/components/{component}/budgets"
    r = await client.post(
        base, json={"title": {"fr": "Ville"}, "total_amount": 1000}, headers=world.headers("admin")
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _tenancy_project(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    url = f"{ids['budgets_component']}/{ids['budget_id']}/projects"
    r = await client.post(url, json={"title": {"fr": "Banc"}, "cost": 10}, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _tenancy_count_run(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    """A count run of the budget, whose vote is closed for it."""
    budget = f"{ids['budgets_component']}/{ids['budget_id']}"
    assert (await client.post(f"{budget}/close", headers=world.headers("admin"))).status_code == 200
    r = await client.post(f"{budget}/count-runs", json={}, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _projects(ctx: Ctx) -> dict[str, Any]:
    return {"json": {"projects": [ctx.ids["project_id"]]}}


TABLE = register(
    RouteTable(
        key="budgets",
        # The path's budget has a project, in the resident's ballot in progress.
        rules={
            "budgets_create": Perm("budgets.manage"),
            "budgets_update": Perm("budgets.manage"),
            "budgets_delete": Perm("budgets.manage"),
            "budgets_close": Perm("budgets.manage"),
            "budgets_remind": Perm("budgets.manage"),
            "budgets_import_pabulib": Perm("budgets.manage"),
            "budgets_projects_create": Perm("budgets.manage"),
            "budgets_projects_update": Perm("budgets.manage"),
            "budgets_projects_delete": Perm("budgets.manage"),
            "budgets_import_proposals": Perm("budgets.manage"),
            # Voting: the component's vote_requirements (census); not a role permission.
            "budgets_ballot_submit": Verified(problem=VOTE_FORBIDDEN),
            "budgets_ballot_replace": Verified(problem=VOTE_FORBIDDEN),
            "budgets_ballot_add": Verified(problem=VOTE_FORBIDDEN),
            "budgets_ballot_checkout": Verified(problem=VOTE_FORBIDDEN),
            # One's own ballot: withdrawing it or taking a project out needs no verification (404/409).
            "budgets_ballot_withdraw": Authenticated(),
            "budgets_ballot_remove": Authenticated(),
            "budgets_paper_ballots_create": Perm("budgets.paper_ballots"),
            "budgets_count": Perm("budgets.count"),
            "budgets_count_runs_publish": Perm("budgets.count"),
        },
        factories={
            "budget_id": (("component_id",), _budget),
            "project_id": (("budget_id",), _budget),  # made with the budget
            "run_id": (("budget_id",), _count_run),
        },
        requests={
            "budgets_create": json_body({"title": {"fr": "Budget 2027"}, "total_amount": 50_000}),
            "budgets_update": json_body({"title": {"fr": "Budget du quartier"}}),
            "budgets_projects_create": json_body({"title": {"fr": "Des bancs"}, "cost": 5_000}),
            "budgets_projects_update": json_body({"cost": 12_000}),
            "budgets_ballot_submit": _projects,
            "budgets_ballot_replace": _projects,
            "budgets_ballot_add": lambda ctx: {"json": {"project_id": ctx.ids["project_id"]}},
            "budgets_paper_ballots_create": lambda ctx: {
                "json": {"identifier": BRUNO[0], "projects": [ctx.ids["project_id"]]}
            },
            "budgets_count": json_body({"publish": False, "background": False}),
        },
        resource_types={"budget": "budget_id", "project": "project_id"},
        tenancy={
            "budget_id": _tenancy_budget,
            "project_id": _tenancy_project,
            "run_id": _tenancy_count_run,
        },
        component_settings={"vote_requirements": [{"handler": "census"}]},
        step_settings={"votes": "enabled"},
    )
)
