"""The ``accountability/result`` resource type: ``visible`` answers what the result's read shows each caller
(nothing of an unpublished component or process but to previewers, nothing where the module is off, never
another commune's), ``describe`` the path that answers, and a page of 50 results costs as many statements
as one."""

from __future__ import annotations

import uuid

import httpx

from civicapi.registry import ANONYMOUS
from civicapi.testing import check_component_rule, check_constant_statements
from civicapi.testing.resources import commune, describe, visible
from tests.fixtures.factories import World
from tests.modules.accountability.helpers import make_component, make_result


async def test_visible_follows_the_result_reads(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    parent = (await make_result(client, world, comp, "Parcs"))["id"]
    child = (await make_result(client, world, comp, "Un potager", parent_id=parent))["id"]
    ids = [uuid.UUID(parent), uuid.UUID(child)]
    rtype = world.app.state.registry.resource_type("accountability", "result")
    info = await describe(world.app, rtype, world.alpha.id, ids)
    assert (info[ids[1]].path, info[ids[1]].title) == (comp.result(child), {"fr": "Un potager"})
    await check_component_rule(
        client,
        world,
        world.app,
        "accountability",
        "result",
        ids,
        process_id=comp.process_id,
        component_id=comp.id,
        public=set(ids),
    )


async def test_other_communes_results_and_pages(client: httpx.AsyncClient, world: World) -> None:
    app = world.app
    rtype = app.state.registry.resource_type("accountability", "result")
    theirs_comp = await make_component(client, world, commune="beta")
    theirs = uuid.UUID((await make_result(client, world, theirs_comp))["id"])
    alpha = await commune(app, "alpha")
    assert await visible(app, rtype, alpha.id, ANONYMOUS, [theirs]) == set()
    assert await describe(app, rtype, alpha.id, [theirs]) == {}

    comp = await make_component(client, world)
    ids = [(await make_result(client, world, comp, f"Projet {i}"))["id"] for i in range(50)]
    assert await check_constant_statements(app, "accountability", "result", ids) <= 4
    assert len(await visible(app, rtype, alpha.id, ANONYMOUS, [uuid.UUID(i) for i in ids])) == 50
