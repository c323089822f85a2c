"""Shared builders for the spaces tests: they go through the HTTP API and assert every step succeeded."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from civicapi.core.db.session import Database
from civicapi.spaces.models import Component, ParticipatoryProcess, Phase
from tests.fixtures.factories import World

BRUSSELS = ZoneInfo("Europe/Brussels")
DAY = timedelta(days=1)


def processes_url(commune: str = "alpha") -> str:
    return f"/v1/communes/{commune}/processes"


def process_url(process_id: str, commune: str = "alpha") -> str:
    return f"{processes_url(commune)}/{process_id}"


def phases_url(process_id: str, commune: str = "alpha") -> str:
    return f"{process_url(process_id, commune)}/phases"


def components_url(process_id: str, commune: str = "alpha") -> str:
    return f"{process_url(process_id, commune)}/components"


def today_in(tz: str) -> date:
    """Today's calendar date in ``tz``, computed the way a resident of that commune sees it."""
    return datetime.now(ZoneInfo(tz)).date()


def brussels_today() -> date:
    return datetime.now(BRUSSELS).date()


def process_body(slug: str = "budget-2026", **fields: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "title": {"fr": "Budget participatif 2026", "nl": "Burgerbegroting 2026"},
        "description": {"fr": "Proposez des projets."},
        "start_date": "2026-01-15",
        "end_date": "2026-11-30",
        **fields,
    }


def phase_body(start: date | str, end: date | str, **fields: Any) -> dict[str, Any]:
    return {"title": {"fr": "Phase", "nl": "Fase"}, "start_date": str(start), "end_date": str(end), **fields}


async def create_process(
    client: httpx.AsyncClient,
    world: World,
    slug: str = "budget-2026",
    *,
    commune: str = "alpha",
    who: str = "admin",
    publish: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    r = await client.post(
        processes_url(commune), json=process_body(slug, **fields), headers=world.headers(who)
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    if publish:
        p = await client.post(process_url(body["id"], commune) + "/publish", headers=world.headers(who))
        assert p.status_code == 200, p.text
        body = p.json()
    return body


async def create_phase(
    client: httpx.AsyncClient,
    world: World,
    process_id: str,
    start: date | str,
    end: date | str,
    *,
    commune: str = "alpha",
    who: str = "admin",
    **fields: Any,
) -> dict[str, Any]:
    r = await client.post(
        phases_url(process_id, commune), json=phase_body(start, end, **fields), headers=world.headers(who)
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def enable_example(client: httpx.AsyncClient, world: World, commune: str = "alpha") -> None:
    who = "admin" if commune == "alpha" else "beta_admin"
    r = await client.put(f"/v1/communes/{commune}/modules/example", json={}, headers=world.headers(who))
    assert r.status_code == 200, r.text


async def create_component(
    client: httpx.AsyncClient,
    world: World,
    process_id: str,
    *,
    commune: str = "alpha",
    who: str = "admin",
    publish: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    body = {"module_key": "example", "name": {"fr": "Idées", "nl": "Ideeën"}, **fields}
    r = await client.post(components_url(process_id, commune), json=body, headers=world.headers(who))
    assert r.status_code == 201, r.text
    component: dict[str, Any] = r.json()
    if publish:
        url = f"{components_url(process_id, commune)}/{component['id']}/publish"
        p = await client.post(url, headers=world.headers(who))
        assert p.status_code == 200, p.text
        component = p.json()
    return component


async def count_rows(db: Database) -> dict[str, int]:
    """Rows in the spaces tables, all communes together (to prove a rejected write wrote nothing)."""
    out: dict[str, int] = {}
    async with db.unit_of_work() as session:
        for name, model in (("process", ParticipatoryProcess), ("phase", Phase), ("component", Component)):
            out[name] = (await session.execute(select(func.count()).select_from(model))).scalar_one()
    return out


def assert_problem(r: httpx.Response, status: int, *, type_: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    if type_ is not None:
        assert body["type"] == type_
    return body
