"""Guarded routers: the path guard refuses what none of a router's routes serves, and only that."""

from __future__ import annotations

import re
import uuid

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path

from civicapi.config import Settings
from civicapi.core.routing import GuardedRouter, paths_pattern, route_path
from civicapi.main import create_app
from tests.fixtures.factories import World

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _sample(template: str) -> str:
    """A concrete path for a route template (every parameter gets a value of the right shape)."""
    return _PARAM.sub(lambda m: "demo" if m.group(1) == "commune" else str(uuid.uuid4()), template)


def _guarded_routers(app: FastAPI) -> list[GuardedRouter]:
    found: list[GuardedRouter] = []
    pending = [getattr(route, "original_router", None) for route in app.router.routes]
    while pending:
        router = pending.pop()
        if isinstance(router, GuardedRouter):
            found.append(router)
            pending.extend(child for _, child in router._guarded_children)
    return found


def test_paths_pattern_matches_exactly_what_the_routes_match() -> None:
    templates = [
        "/v1/communes/{commune}",
        "/v1/communes/{commune}/budgets/{budget_id}/ballot",
        "/health/live",
    ]
    guard = paths_pattern(templates)
    for template in templates:
        assert guard.match(_sample(template))
    for path in [
        "/v1/communes",
        "/v1/communes/demo/",
        "/v1/communes/demo/budgets/x/ballot/extra",
        "/health/live/",
        "/health",
        "/v1/communes/a/b",
    ]:
        assert guard.match(path) is None
        assert not any(compile_path(t)[0].match(path) for t in templates)


def test_route_path_strips_the_root_path() -> None:
    assert route_path({"path": "/api/v1/me", "root_path": "/api"}) == "/v1/me"
    assert route_path({"path": "/apiary", "root_path": "/api"}) == "/apiary"
    assert route_path({"path": "/v1/me"}) == "/v1/me"


def test_every_route_passes_the_guards_of_the_routers_that_hold_it(settings: Settings) -> None:
    app = create_app(settings)
    routers = _guarded_routers(app)
    assert len(routers) >= 20  # every router of the application and of the modules' use cases
    all_paths = [_sample(str(context.path)) for context in iter_route_contexts(app.routes)]
    for router in routers:
        guard = router._path_guard
        assert guard is not None
        own = {context.endpoint for context in iter_route_contexts(router.routes)}
        for context in iter_route_contexts(app.routes):
            path = _sample(str(context.path))
            if context.endpoint in own:
                assert guard.match(path), (path, router)
        # and it lets through no path outside its own routes
        own_templates = [str(c.path) for c in iter_route_contexts(app.routes) if c.endpoint in own]
        for path in all_paths:
            expected = any(compile_path(t)[0].match(path) for t in own_templates)
            assert bool(guard.match(path)) == expected, (path, router)


async def test_routing_answers_as_before_through_the_guards(client: httpx.AsyncClient, world: World) -> None:
    # a module route (mounted last, behind every guard) is reached: its router's dependency answers
    missing = f"/v1/communes/alpha/budgets/components/{uuid.uuid4()}/budgets"
    r = await client.get(missing)
    assert r.status_code == 404 and r.json()["type"] == "/problems/module-not-enabled"
    # an unknown path anywhere is the route-level not-found problem
    for path in ["/v1/communes/alpha/budgets/nothing", "/v1/nothing", "/v1/communes/alpha/nope/x"]:
        r = await client.get(path)
        assert r.status_code == 404 and r.json()["instance"] == path
        assert r.json()["type"] == "/problems/not-found"
    # a known path with another method is 405, whichever router holds it
    assert (await client.delete("/v1/communes/alpha/me/verifications")).status_code == 405
    assert (await client.delete(missing)).status_code == 405
