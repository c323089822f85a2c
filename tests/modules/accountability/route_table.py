"""The accountability module's route table: who may call each write operation, how to make the resources in
its paths, valid-enough requests, and the resources the tenancy check asks for through another commune."""

from __future__ import annotations

import httpx

from civicapi.testing import Ctx, People, Perm, RouteTable, csv_body, json_body, register, tenancy_component
from tests.identity.verification_helpers import CSV

RESULTS = "/accountability/components/{component_id}"


async def _status(ctx: Ctx) -> str:
    body = {"key": "works", "name": {"fr": "Travaux en cours"}, "progress": 50}
    return str((await ctx.call("POST", RESULTS.format(**ctx.ids) + "/statuses", body, ok=201))["id"])


async def _result(ctx: Ctx) -> str:
    body = {"title": {"fr": "Un potager collectif"}}
    return str((await ctx.call("POST", RESULTS.format(**ctx.ids) + "/results", body, ok=201))["id"])


async def _milestone(ctx: Ctx) -> str:
    url = RESULTS.format(**ctx.ids) + f"/results/{ctx.ids['result_id']}/milestones"
    body = {"entry_date": "2026-04-15", "title": {"fr": "Début des travaux"}}
    return str((await ctx.call("POST", url, body, ok=201))["id"])


async def _tenancy_status(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    """A status of an accountability component of alpha's process (the module is enabled in both communes),
    whose result (``result_id``, linked to the proposal) has a milestone (``milestone_id``)."""
    component = await tenancy_component(client, world, ids, "accountability", name={"fr": "Suivi"})
    base = f"/v1/communes/alpha/accountability/components/{component}"
    ids["accountability_component"] = base
    r = await client.post(
        f"{base}/statuses", json={"key": "works", "name": {"fr": "Travaux"}}, headers=world.headers("admin")
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _tenancy_result(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
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


async def _tenancy_milestone(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    return ids["milestone_id"]


TABLE = register(
    RouteTable(
        key="accountability",
        rules={
            "accountability_results_create": Perm("accountability.manage"),
            "accountability_results_update": Perm("accountability.manage"),
            "accountability_results_delete": Perm("accountability.manage"),
            "accountability_statuses_create": Perm("accountability.manage"),
            "accountability_statuses_update": Perm("accountability.manage"),
            "accountability_statuses_delete": Perm("accountability.manage"),
            "accountability_import_budget_projects": Perm("accountability.manage"),
            "accountability_results_progress": Perm("accountability.progress"),  # admin, staff
            "accountability_milestones_create": Perm("accountability.progress"),
            "accountability_milestones_update": Perm("accountability.progress"),
            "accountability_milestones_delete": Perm("accountability.progress"),
            "accountability_import": Perm("accountability.import"),
        },
        factories={
            "status_id": (("component_id",), _status),
            "result_id": (("component_id",), _result),
            "milestone_id": (("result_id",), _milestone),
        },
        requests={
            "accountability_results_create": json_body({"title": {"fr": "Des bancs au parc"}}),
            "accountability_results_update": json_body({"title": {"fr": "Un potager partagé"}}),
            "accountability_results_progress": json_body({"progress": 65}),
            "accountability_statuses_create": json_body(
                {"key": "done", "name": {"fr": "Terminé"}, "progress": 100}
            ),
            "accountability_statuses_update": json_body({"name": {"fr": "Chantier"}}),
            "accountability_milestones_create": json_body(
                {"entry_date": "2026-05-01", "title": {"fr": "Livraison"}}
            ),
            "accountability_milestones_update": json_body({"title": {"fr": "Bacs livrés"}}),
            "accountability_import": csv_body("external_id,title_fr\nR-1,Un banc devant l'école\n", CSV),
        },
        resource_types={"result": "result_id"},
        tenancy={
            "status_id": _tenancy_status,
            "result_id": _tenancy_result,
            "milestone_id": _tenancy_milestone,
        },
    )
)
