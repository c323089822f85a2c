"""Builders for the accountability tests: a published process and a published accountability component,
statuses and results through the HTTP API, and database probes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.modules.accountability.models import MODELS
from tests.fixtures.factories import World
from tests.spaces.helpers import DAY, assert_problem, brussels_today, create_phase, create_process

__all__ = ["assert_problem"]


@dataclass
class Comp:
    commune: str
    process_id: str
    id: str

    @property
    def url(self) -> str:
        return f"/v1/communes/{self.commune}/accountability/components/{self.id}"

    @property
    def results(self) -> str:
        return f"{self.url}/results"

    def result(self, result_id: str) -> str:
        return f"{self.results}/{result_id}"

    @property
    def statuses(self) -> str:
        return f"{self.url}/statuses"

    def milestones(self, result_id: str) -> str:
        return f"{self.result(result_id)}/milestones"

    @property
    def component_url(self) -> str:
        return f"/v1/communes/{self.commune}/processes/{self.process_id}/components/{self.id}"


def who_admin(commune: str) -> str:
    return "admin" if commune == "alpha" else "beta_admin"


async def enable_accountability(client: httpx.AsyncClient, world: World, commune: str = "alpha") -> None:
    r = await client.put(
        f"/v1/communes/{commune}/modules/accountability", json={}, headers=world.headers(who_admin(commune))
    )
    assert r.status_code == 200, r.text


async def make_component(
    client: httpx.AsyncClient,
    world: World,
    *,
    commune: str = "alpha",
    process_id: str | None = None,
    slug: str = "bp-2026",
    publish: bool = True,
) -> Comp:
    """An accountability component (published, in a published process, unless ``publish`` is false)."""
    who = who_admin(commune)
    await enable_accountability(client, world, commune)
    if process_id is None:
        process = await create_process(client, world, slug, commune=commune, who=who, publish=publish)
        today = brussels_today()
        await create_phase(
            client, world, process["id"], today - DAY, today + 30 * DAY, commune=commune, who=who
        )
        process_id = process["id"]
    body = {"module_key": "accountability", "name": {"fr": "Suivi des projets"}}
    r = await client.post(
        f"/v1/communes/{commune}/processes/{process_id}/components", json=body, headers=world.headers(who)
    )
    assert r.status_code == 201, r.text
    comp = Comp(commune=commune, process_id=process_id, id=r.json()["id"])
    if publish:
        r = await client.post(f"{comp.component_url}/publish", headers=world.headers(who))
        assert r.status_code == 200, r.text
    return comp


async def make_status(
    client: httpx.AsyncClient, world: World, comp: Comp, key: str, progress: float | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"key": key, "name": {"fr": key.title()}, "progress": progress}
    r = await client.post(comp.statuses, json=body, headers=world.headers(who_admin(comp.commune)))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def make_result(
    client: httpx.AsyncClient, world: World, comp: Comp, title: str = "Un potager", **fields: Any
) -> dict[str, Any]:
    body = {"title": {"fr": title}, **fields}
    r = await client.post(comp.results, json=body, headers=world.headers(who_admin(comp.commune)))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def get_result(client: httpx.AsyncClient, comp: Comp, result_id: str) -> dict[str, Any]:
    r = await client.get(comp.result(result_id))
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def count_rows(db: Database) -> dict[str, int]:
    """Rows of every accountability table, and of the audit trail (to prove a refused write wrote nothing)."""
    async with db.unit_of_work() as session:
        out = {
            model.__tablename__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (*MODELS, AuditEntry)
        }
    return out
