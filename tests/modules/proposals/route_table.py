"""The proposals module's route table: who may call each write operation, how to make the resources in its
paths, valid-enough requests, and the resources the tenancy check asks for through another commune."""

from __future__ import annotations

import httpx

from civicapi.testing import (
    Assigned,
    Authenticated,
    Ctx,
    Owner,
    People,
    Perm,
    RouteTable,
    Verified,
    csv_body,
    json_body,
    register,
    tenancy_component,
)
from tests.identity.verification_helpers import CSV

MODULE_FORBIDDEN = "proposals-action-forbidden"
"""The proposals module's 403 (a ``Forbidden`` with a ``reason``) for checks that are not role permissions:
``not_an_author``, ``requirements_not_met``, ``not_assigned``."""

PROPOSALS = "/proposals/components/{component_id}"


async def _proposal(ctx: Ctx) -> str:
    """A proposal the resident created, published and supports; the valuator is assigned to review it."""
    base = PROPOSALS.format(**ctx.ids) + "/proposals"
    body = {"title": {"fr": "Un potager collectif"}, "body": {"fr": "Des bacs de culture sur la place."}}
    proposal = str((await ctx.call("POST", base, body, who="resident", ok=201))["id"])
    await ctx.call("POST", f"{base}/{proposal}/publish", who="resident")
    await ctx.call("POST", f"{base}/{proposal}/supports", who="resident", ok=201)
    await ctx.call("POST", f"{base}/{proposal}/valuators", {"user_id": ctx.user_id("valuator")}, ok=201)
    return proposal


async def _criterion(ctx: Ctx) -> str:
    body = {"label": {"fr": "Relève de la compétence communale"}}
    return str((await ctx.call("POST", PROPOSALS.format(**ctx.ids) + "/criteria", body, ok=201))["id"])


async def _state(ctx: Ctx) -> str:
    body = {"token": "feasible", "name": {"fr": "Faisable"}}
    return str((await ctx.call("POST", PROPOSALS.format(**ctx.ids) + "/states", body, ok=201))["token"])


async def _valuator(ctx: Ctx) -> str:
    """``user_id`` paths (a valuator to unassign, a co-author to remove): the valuator."""
    return ctx.user_id("valuator")


async def _tenancy_proposal(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    """A published official proposal in a proposals component of alpha's process (the module is enabled in
    both communes, so that beta's answers come from tenancy, not from the module switch)."""
    ids["proposals_component"] = await tenancy_component(
        client,
        world,
        ids,
        "proposals",
        name={"fr": "Idées"},
        step_settings={ids["phase_id"]: {"creation_enabled": True}},
    )
    process = f"/v1/communes/alpha/processes/{ids['process_id']}"
    component = f"{process}/components/{ids['proposals_component']}"
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


async def _tenancy_criterion(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    r = await client.post(
        f"/v1/communes/alpha/proposals/components/{ids['proposals_component']}/criteria",
        json={"label": {"fr": "Intérêt général"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _tenancy_state_token(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    r = await client.post(
        f"/v1/communes/alpha/proposals/components/{ids['proposals_component']}/states",
        json={"token": "feasible", "name": {"fr": "Faisable"}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return "feasible"


async def _tenancy_user(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    return str(world.users["participant"].id)


AUTHORS_ONLY = Owner(None, problem=MODULE_FORBIDDEN)  # its authors only (not official)

TABLE = register(
    RouteTable(
        key="proposals",
        # The path's proposal is published, by the resident; the valuator is assigned to it.
        rules={
            "proposals_create": Verified(problem=MODULE_FORBIDDEN),  # create_requirements: census
            "proposals_update": AUTHORS_ONLY,
            "proposals_delete": AUTHORS_ONLY,
            "proposals_publish": AUTHORS_ONLY,
            "proposals_withdraw": AUTHORS_ONLY,
            "proposals_authors_add": AUTHORS_ONLY,
            "proposals_authors_remove": AUTHORS_ONLY,
            "proposals_supports_create": Verified(problem=MODULE_FORBIDDEN),  # support_requirements: census
            # Taking one's support back needs no verification (the resident gave one; the others get 404).
            "proposals_supports_delete": Authenticated(),
            "proposals_states_create": Perm("proposals.manage"),
            "proposals_states_update": Perm("proposals.manage"),
            "proposals_states_delete": Perm("proposals.manage"),
            "proposals_criteria_create": Perm("proposals.manage"),
            "proposals_criteria_update": Perm("proposals.manage"),
            "proposals_criteria_delete": Perm("proposals.manage"),
            "proposals_answer": Perm("proposals.answer"),
            "proposals_answers_publish": Perm("proposals.answer"),
            "proposals_valuators_assign": Perm("proposals.assign_valuators"),
            "proposals_valuators_unassign": Perm("proposals.assign_valuators"),
            # proposals.review (admin, valuator), and assigned to the proposal: only the valuator is.
            "proposals_review_save": Assigned("proposals.review", problem=MODULE_FORBIDDEN),
            "proposals_import": Perm("proposals.import"),
        },
        factories={
            "proposal_id": (("component_id",), _proposal),
            "criterion_id": (("component_id",), _criterion),
            "token": (("component_id",), _state),
            "user_id": ((), _valuator),
        },
        requests={
            "proposals_create": json_body(
                {"title": {"fr": "Des bancs au parc"}, "body": {"fr": "Trois bancs près de l'aire de jeux."}}
            ),
            "proposals_update": json_body({"title": {"fr": "Un potager partagé"}}),
            "proposals_authors_add": lambda ctx: {"json": {"user_id": ctx.user_id("participant")}},
            "proposals_states_create": json_body({"token": "unfeasible", "name": {"fr": "Infaisable"}}),
            "proposals_states_update": json_body({"name": {"fr": "Réalisable"}}),
            "proposals_criteria_create": json_body({"label": {"fr": "Sert l'intérêt général"}}),
            "proposals_criteria_update": json_body({"label": {"fr": "Relève de la commune"}}),
            "proposals_answer": json_body({"state": "accepted", "answer": {"fr": "Le collège la retient."}}),
            "proposals_answers_publish": json_body({"proposal_ids": None}),
            "proposals_valuators_assign": lambda ctx: {"json": {"user_id": ctx.user_id("valuator")}},
            "proposals_review_save": json_body({"notes": "Vu sur place."}),
            "proposals_import": csv_body(
                "title_fr,body_fr\nUn banc,Un banc public devant l'école communale.\n", CSV
            ),
        },
        resource_types={"proposal": "proposal_id"},
        tenancy={
            "proposal_id": _tenancy_proposal,
            "criterion_id": _tenancy_criterion,
            "token": _tenancy_state_token,
            "user_id": _tenancy_user,
        },
        component_settings={
            "create_requirements": [{"handler": "census"}],
            "support_requirements": [{"handler": "census"}],
        },
        step_settings={"creation_enabled": True, "supports_enabled": True},
    )
)
