"""Builders for the proposals tests: a published process with a phase running today and a published
proposals component in it, proposals created through the HTTP API, and a few database probes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from civicapi.core.db.session import Database
from civicapi.modules.proposals.models import MODELS
from tests.fixtures.factories import World
from tests.spaces.helpers import DAY, assert_problem, brussels_today, create_phase, create_process

__all__ = ["assert_problem"]

OPEN_STEP = {"creation_enabled": True, "supports_enabled": True}
TITLE = {"fr": "Un potager collectif"}
BODY = {"fr": "Transformer la pelouse en potager partagé."}


@dataclass
class Comp:
    """A proposals component: its ids and URLs."""

    commune: str
    process_id: str
    phase_id: str
    id: str

    @property
    def url(self) -> str:
        return f"/v1/communes/{self.commune}/proposals/components/{self.id}"

    @property
    def proposals(self) -> str:
        return f"{self.url}/proposals"

    def proposal(self, proposal_id: str) -> str:
        return f"{self.proposals}/{proposal_id}"

    @property
    def component_url(self) -> str:
        return f"/v1/communes/{self.commune}/processes/{self.process_id}/components/{self.id}"


async def enable_proposals(client: httpx.AsyncClient, world: World, commune: str = "alpha") -> None:
    who = "admin" if commune == "alpha" else "beta_admin"
    r = await client.put(f"/v1/communes/{commune}/modules/proposals", json={}, headers=world.headers(who))
    assert r.status_code == 200, r.text


async def make_component(
    client: httpx.AsyncClient,
    world: World,
    *,
    settings: dict[str, Any] | None = None,
    step: dict[str, Any] | None = None,
    commune: str = "alpha",
    slug: str = "ideas-2026",
) -> Comp:
    """A published proposals component whose phase is active today (step settings ``OPEN_STEP`` unless
    ``step`` is given)."""
    who = "admin" if commune == "alpha" else "beta_admin"
    await enable_proposals(client, world, commune)
    process = await create_process(client, world, slug, commune=commune, who=who, publish=True)
    today = brussels_today()
    phase = await create_phase(
        client, world, process["id"], today - DAY, today + 30 * DAY, commune=commune, who=who
    )
    body = {
        "module_key": "proposals",
        "name": {"fr": "Idées"},
        "settings": settings or {},
        "step_settings": {phase["id"]: OPEN_STEP if step is None else step},
    }
    url = f"/v1/communes/{commune}/processes/{process['id']}/components"
    r = await client.post(url, json=body, headers=world.headers(who))
    assert r.status_code == 201, r.text
    comp = Comp(commune=commune, process_id=process["id"], phase_id=phase["id"], id=r.json()["id"])
    r = await client.post(f"{comp.component_url}/publish", headers=world.headers(who))
    assert r.status_code == 200, r.text
    return comp


async def configure(
    client: httpx.AsyncClient,
    world: World,
    comp: Comp,
    *,
    settings: dict[str, Any] | None = None,
    step: dict[str, Any] | None = None,
) -> None:
    """Change the component's settings and/or its active phase's step settings (replacing them)."""
    body: dict[str, Any] = {}
    if settings is not None:
        body["settings"] = settings
    if step is not None:
        body["step_settings"] = {comp.phase_id: step}
    who = "admin" if comp.commune == "alpha" else "beta_admin"
    r = await client.patch(comp.component_url, json=body, headers=world.headers(who))
    assert r.status_code == 200, r.text


async def create(
    client: httpx.AsyncClient,
    comp: Comp,
    headers: dict[str, str],
    *,
    publish: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    body = {"title": TITLE, "body": BODY, **fields}
    r = await client.post(comp.proposals, json=body, headers=headers)
    assert r.status_code == 201, r.text
    proposal: dict[str, Any] = r.json()
    if publish:
        r = await client.post(comp.proposal(proposal["id"]) + "/publish", headers=headers)
        assert r.status_code == 200, r.text
        proposal = r.json()
    return proposal


async def count_rows(db: Database) -> dict[str, int]:
    """Rows of every proposals table (to prove that a refused write wrote nothing)."""
    async with db.unit_of_work() as session:
        return {
            model.__tablename__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in MODELS
        }
