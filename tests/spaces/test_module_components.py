"""What modules build on: ``component_dependency`` resolving a component with its settings for today, and
components whose module is no longer installed or whose stored settings went stale."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import httpx
import pytest
from civicapi_example import ExampleComponentSettings, ExampleStepSettings
from fastapi import APIRouter, Depends
from sqlalchemy import update

from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.main import create_app
from civicapi.registry import CivicModule, load_modules
from civicapi.spaces.dependencies import ResolvedComponent, component_dependency, context_dependency
from civicapi.spaces.kit import ComponentContext
from civicapi.spaces.models import Component
from tests.fixtures.factories import World
from tests.spaces.helpers import (
    DAY,
    assert_problem,
    brussels_today,
    components_url,
    create_component,
    create_phase,
    create_process,
    enable_example,
    process_url,
)

router = APIRouter()


def _dump(resolved: ResolvedComponent) -> dict[str, Any]:
    return {
        "id": str(resolved.component.id),
        "process_id": str(resolved.process.id),
        "phase_ids": [str(p.id) for p in resolved.process.phases],
        "active_phase_id": str(resolved.active_phase.id) if resolved.active_phase else None,
        "settings": resolved.settings.model_dump(mode="json"),
        "step_settings": resolved.step_settings.model_dump(mode="json"),
        "effective": resolved.effective_settings,
    }


@router.get("/example/{component_id}")
async def example_component(
    resolved: Annotated[ResolvedComponent, Depends(component_dependency("example"))],
) -> dict[str, Any]:
    return _dump(resolved)


@router.get("/own/{component_id}")
async def own_component(
    resolved: Annotated[ResolvedComponent, Depends(component_dependency("probe"))],
) -> dict[str, Any]:
    return _dump(resolved)


@router.get("/context/{component_id}")
async def example_context(
    resolved: Annotated[ResolvedComponent, Depends(component_dependency("example"))],
    ctx: Annotated[
        ComponentContext[ExampleComponentSettings, ExampleStepSettings],
        Depends(context_dependency("example", (ExampleComponentSettings, ExampleStepSettings))),
    ],
) -> dict[str, Any]:
    return {
        "component_id": str(ctx.component_id),
        "settings": type(ctx.settings).__name__,
        "step": type(ctx.step).__name__,
        "public": ctx.public,
        "url": ctx.url,
    }


@router.get("/ghost/{component_id}")
async def ghost_component(
    resolved: Annotated[ResolvedComponent, Depends(component_dependency("ghost"))],
) -> dict[str, Any]:
    return _dump(resolved)


PROBE = CivicModule(
    key="probe",
    title={"en": "Probe", "fr": "Sonde"},
    router=router,
    component_settings_schema=ExampleComponentSettings,
    step_settings_schema=ExampleStepSettings,
)


@pytest.fixture
async def probe_client(settings: Settings, db: Database) -> Any:
    """The app with a test module whose routes resolve components through ``component_dependency``."""
    app = create_app(settings, registry=load_modules(None, extra=[PROBE]), database=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_component_dependency_resolves_settings_for_today(
    client: httpx.AsyncClient, probe_client: httpx.AsyncClient, world: World
) -> None:
    await enable_example(client, world)
    h = world.headers("admin")
    assert (await probe_client.put("/v1/communes/alpha/modules/probe", json={}, headers=h)).status_code == 200
    today = brussels_today()
    process = await create_process(client, world, publish=True)
    pid = process["id"]
    current = await create_phase(client, world, pid, today, today + DAY)
    later = await create_phase(client, world, pid, today + 5 * DAY, today + 9 * DAY)
    steps = {current["id"]: {"posting_enabled": True, "max_items": 3}}
    component = await create_component(client, world, pid, settings={"max_items": 5}, step_settings=steps)
    url = f"/v1/communes/alpha/probe/example/{component['id']}"
    # a draft: only callers holding spaces.preview resolve it
    assert_problem(await probe_client.get(url), 404)
    assert_problem(await probe_client.get(url, headers=world.headers("participant")), 404)
    r = await probe_client.get(url, headers=world.headers("valuator"))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": component["id"],
        "process_id": pid,
        "phase_ids": [current["id"], later["id"]],
        "active_phase_id": current["id"],
        "settings": {"max_items": 5, "label": "items"},
        "step_settings": {"posting_enabled": True, "max_items": 3},
        "effective": {"max_items": 3, "label": "items", "posting_enabled": True},
    }
    assert r.json()["effective"] == component["effective_settings"]
    publish = await client.post(f"{components_url(pid)}/{component['id']}/publish", headers=h)
    assert publish.status_code == 200
    assert (await probe_client.get(url)).json()["active_phase_id"] == current["id"]
    pin = await client.put(process_url(pid) + "/active-phase", json={"phase_id": later["id"]}, headers=h)
    assert pin.status_code == 200
    resolved = (await probe_client.get(url)).json()
    assert resolved["active_phase_id"] == later["id"]
    assert resolved["step_settings"] == {"posting_enabled": False, "max_items": None}
    assert resolved["effective"] == {"max_items": 5, "label": "items", "posting_enabled": False}
    # another module's resolver does not hand out this component; an uninstalled one answers 404
    assert_problem(await probe_client.get(f"/v1/communes/alpha/probe/own/{component['id']}", headers=h), 404)
    assert_problem(
        await probe_client.get(f"/v1/communes/alpha/probe/ghost/{component['id']}", headers=h), 404
    )
    # nor does another commune, even to the platform admin
    beta_h = world.headers("beta_admin")
    assert (
        await probe_client.put("/v1/communes/beta/modules/probe", json={}, headers=beta_h)
    ).status_code == 200
    beta_url = f"/v1/communes/beta/probe/example/{component['id']}"
    assert_problem(await probe_client.get(beta_url, headers=world.headers("platform")), 404)
    # unpublishing the process hides it again from the public
    assert (await client.post(process_url(pid) + "/unpublish", headers=h)).status_code == 200
    assert_problem(await probe_client.get(url), 404)


async def test_components_of_an_uninstalled_module(
    client: httpx.AsyncClient, world: World, settings: Settings, db: Database
) -> None:
    await enable_example(client, world)
    process = await create_process(client, world, publish=True)
    pid = process["id"]
    phase = await create_phase(client, world, pid, "2020-01-01", "2020-01-31")
    component = await create_component(
        client, world, pid, publish=True, settings={"max_items": 5}, step_settings={phase["id"]: {}}
    )
    # the same database served by a deployment where the example module is not installed
    app = create_app(settings, registry=load_modules(["probe"], extra=[PROBE]), database=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as bare:
        url = f"{components_url(pid)}/{component['id']}"
        h = world.headers("admin")
        assert_problem(await bare.get(url), 404)
        assert (await bare.get(components_url(pid))).json()["items"] == []
        got = await bare.get(url, headers=h)
        assert got.status_code == 200, got.text
        assert got.json()["effective_settings"] == {"max_items": 5, "label": "items"}
        r = await bare.patch(url, json={"settings": {"max_items": 6}}, headers=h)
        assert assert_problem(r, 409)["reason"] == "module_not_installed"
        assert (await bare.get(url, headers=h)).json()["settings"] == {"max_items": 5, "label": "items"}
        r = await bare.patch(url, json={"name": {"fr": "Archives"}}, headers=h)
        assert r.status_code == 200 and r.json()["name"] == {"fr": "Archives"}
        new = await bare.post(
            components_url(pid), json={"module_key": "example", "name": {"fr": "X"}}, headers=h
        )
        assert assert_problem(new, 404)["reason"] == "module_not_installed"
    # back on the full deployment, the component is public again
    assert (await client.get(url)).json()["name"] == {"fr": "Archives"}


async def test_stale_stored_settings_are_still_served(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await enable_example(client, world)
    process = await create_process(client, world, publish=True)
    component = await create_component(client, world, process["id"], publish=True)
    # the module's schema changed since these were stored: max_items 0 is no longer valid
    async with db.unit_of_work() as session:
        await session.execute(
            update(Component)
            .where(Component.id == uuid.UUID(component["id"]))
            .values(settings={"max_items": 0, "label": "old"})
        )
    r = await client.get(f"{components_url(process['id'])}/{component['id']}")
    assert r.status_code == 200, r.text
    assert r.json()["settings"] == {"max_items": 0, "label": "old"}
    assert r.json()["effective_settings"] == {"max_items": 0, "label": "old", "posting_enabled": False}


async def test_the_component_kit_builds_the_paths_a_module_answers_in_location(
    db: Any, world: Any, app: Any
) -> None:
    """``ComponentContext.url`` is where the module's routes of this component live."""
    from datetime import date

    from civicapi.registry import EmptySettings
    from civicapi.spaces.kit import ComponentContext
    from civicapi.spaces.models import Component, ParticipatoryProcess

    component = Component(id=uuid.uuid4(), module_key="budgets")
    ctx = ComponentContext(
        commune=world.alpha,
        component=component,
        process=ParticipatoryProcess(),
        settings=EmptySettings(),
        step=EmptySettings(),
        today=date(2026, 12, 7),
    )
    base = f"/v1/communes/alpha/budgets/components/{component.id}"
    assert ctx.url == base
    assert ctx.url_of("budgets", 7, "projects") == f"{base}/budgets/7/projects"


async def test_context_dependency_gives_the_kit_context_of_the_component_resolved_once(
    client: httpx.AsyncClient, probe_client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await enable_example(client, world)
    h = world.headers("admin")
    assert (await probe_client.put("/v1/communes/alpha/modules/probe", json={}, headers=h)).status_code == 200
    today = brussels_today()
    process = await create_process(client, world, publish=True)
    await create_phase(client, world, process["id"], today, today + DAY)
    component = await create_component(client, world, process["id"], publish=True)
    from civicapi.spaces import dependencies

    loads: list[object] = []
    real = dependencies.service_components.get_component

    async def counted(*args: Any, **kwargs: Any) -> Any:
        loads.append(args)
        return await real(*args, **kwargs)

    monkeypatch.setattr(dependencies.service_components, "get_component", counted)
    r = await probe_client.get(f"/v1/communes/alpha/probe/context/{component['id']}")
    assert r.status_code == 200, r.text
    assert len(loads) == 1, "the route's component and the context's are one resolution"
    assert r.json() == {
        "component_id": component["id"],
        "settings": "ExampleComponentSettings",
        "step": "ExampleStepSettings",
        "public": True,
        "url": f"/v1/communes/alpha/example/components/{component['id']}",
    }
