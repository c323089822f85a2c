"""The ``budgets/budget`` and ``budgets/project`` resource types: ``visible`` answers what the budget's and
the project's reads show each caller (nothing of an unpublished component or process but to previewers,
nothing where the module is off, never another commune's), ``describe`` the paths that answer, and a page
of 50 projects costs as many statements as one."""

from __future__ import annotations

import uuid

import httpx
import pytest

from civicapi.registry import ANONYMOUS
from civicapi.testing import check_component_rule, check_constant_statements
from civicapi.testing.resources import commune, describe, visible
from tests.fixtures.factories import World
from tests.modules.budgets.helpers import make_budget, make_component, make_projects


@pytest.mark.parametrize("type_name", ["budget", "project"])
async def test_visible_follows_the_reads(client: httpx.AsyncClient, world: World, type_name: str) -> None:
    comp = await make_component(client, world)
    budget = (await make_budget(client, world, comp))["id"]
    projects = [p["id"] for p in await make_projects(client, world, comp, budget, [10, 20])]
    ids = [uuid.UUID(i) for i in ([budget] if type_name == "budget" else projects)]
    rtype = world.app.state.registry.resource_type("budgets", type_name)
    info = await describe(world.app, rtype, world.alpha.id, ids)
    wanted = comp.budget(budget) if type_name == "budget" else f"{comp.projects(budget)}/{projects[0]}"
    assert (info[ids[0]].path, info[ids[0]].component_id) == (wanted, uuid.UUID(comp.id))
    await check_component_rule(
        client,
        world,
        world.app,
        "budgets",
        type_name,
        ids,
        process_id=comp.process_id,
        component_id=comp.id,
        public=set(ids),
    )


async def test_other_communes_projects_and_pages(client: httpx.AsyncClient, world: World) -> None:
    app = world.app
    rtype = app.state.registry.resource_type("budgets", "project")
    theirs_comp = await make_component(client, world, commune="beta")
    theirs_budget = (await make_budget(client, world, theirs_comp))["id"]
    theirs = uuid.UUID((await make_projects(client, world, theirs_comp, theirs_budget, [5]))[0]["id"])
    alpha = await commune(app, "alpha")
    assert await visible(app, rtype, alpha.id, ANONYMOUS, [theirs]) == set()
    assert await describe(app, rtype, alpha.id, [theirs]) == {}

    comp = await make_component(client, world)
    budget = (await make_budget(client, world, comp))["id"]
    ids = [p["id"] for p in await make_projects(client, world, comp, budget, list(range(1, 51)))]
    assert await check_constant_statements(app, "budgets", "project", ids) <= 4
    assert len(await visible(app, rtype, alpha.id, ANONYMOUS, [uuid.UUID(i) for i in ids])) == 50
