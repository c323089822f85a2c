"""Request bodies are read strictly: a number must be a JSON number and a boolean a JSON boolean (no
``"100"`` for 100, no ``false`` for 0), while ids and dates stay JSON strings. One base class does it,
and every body of the route table uses it."""

from __future__ import annotations

import typing
from typing import Any

import httpx
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from civicapi.core.schemas import RequestModel
from tests.fixtures.factories import World
from tests.fixtures.real_ids import seed_ids


def _models(annotation: Any, seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    for arg in typing.get_args(annotation):
        _models(arg, seen)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and annotation not in seen:
        seen.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, seen)
    return seen


def test_every_request_body_is_a_request_model(app: Any) -> None:
    seen: set[type[BaseModel]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.body_field is not None:
            _models(route.body_field.field_info.annotation, seen)
    ours = {m for m in seen if m.__module__.startswith("civicapi.")}
    assert len(ours) > 40
    loose = sorted(m.__qualname__ for m in ours if not issubclass(m, RequestModel))
    assert not loose, f"request bodies that coerce loosely (derive them from RequestModel): {loose}"


async def test_numbers_and_booleans_are_not_coerced(client: httpx.AsyncClient, world: World) -> None:
    ids = await seed_ids(client, world)
    admin = world.headers("admin")
    budgets = ids["budgets_component"]
    before = (await client.get(budgets, headers=admin)).json()
    for total in ("100", True, 100.5):
        r = await client.post(budgets, json={"title": {"fr": "Ville"}, "total_amount": total}, headers=admin)
        assert r.status_code == 422, r.text
        error = r.json()["errors"][0]
        assert error["location"] == ["body", "total_amount"]
        assert error["code"] == "json_type"
    assert (await client.get(budgets, headers=admin)).json() == before
    r = await client.post(budgets, json={"title": {"fr": "Ville"}, "total_amount": 100}, headers=admin)
    assert r.status_code == 201, r.text
    projects = f"{budgets}/{r.json()['id']}/projects"
    r = await client.post(projects, json={"title": {"fr": "Banc"}, "cost": False}, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["location"] == ["body", "cost"]
    # ids and dates are JSON strings, and stay accepted as such
    process = f"/v1/communes/alpha/processes/{ids['process_id']}"
    r = await client.put(f"{process}/active-phase", json={"phase_id": ids["phase_id"]}, headers=admin)
    assert r.status_code == 200, r.text
    r = await client.patch(
        f"{process}/phases/{ids['phase_id']}", json={"end_date": "2026-12-30"}, headers=admin
    )
    assert r.status_code == 200, r.text
    r = await client.patch(f"{process}/phases/{ids['phase_id']}", json={"position": "1"}, headers=admin)
    assert r.status_code == 422, r.text


def test_trimmed_texts_say_in_the_schema_that_white_space_alone_is_not_text(app: Any) -> None:
    schemas = app.openapi()["components"]["schemas"]
    title = schemas["ProcessCreate"]["properties"]["title"]
    assert title["additionalProperties"]["pattern"] == r"\S"
    assert title["minProperties"] == 1
    category = schemas["ProposalCreate"]["properties"]["category"]["anyOf"][0]
    assert category["pattern"] == r"\S"


async def test_white_space_alone_is_not_a_title(client: httpx.AsyncClient, world: World) -> None:
    r = await client.post(
        "/v1/communes/alpha/processes",
        json={"slug": "bp", "title": {"fr": "   "}},
        headers=world.headers("admin"),
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["location"] == ["body", "title", "fr"]
