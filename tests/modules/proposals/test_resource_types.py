"""The ``proposals/proposal`` resource type: ``visible`` answers what the proposal's own read shows each
caller (drafts to their authors, official drafts to ``proposals.official``, nothing of an unpublished
component or process but to previewers, nothing where the module is off, never another commune's), and a
page of 50 proposals costs as many statements as one."""

from __future__ import annotations

import uuid

import httpx

from civicapi.registry import ANONYMOUS
from civicapi.testing import check_component_rule, check_constant_statements, check_visibility_matches_reads
from civicapi.testing.resources import caller, commune, describe, visible
from tests.fixtures.factories import World
from tests.modules.proposals.helpers import create, make_component

READERS = ("anonymous", "participant", "staff", "admin", "beta_admin", "platform")


async def test_visible_follows_the_proposal_reads(client: httpx.AsyncClient, world: World) -> None:
    app = world.app
    comp = await make_component(client, world)
    me, admin = world.headers("participant"), world.headers("admin")
    published = (await create(client, comp, me))["id"]
    draft = (await create(client, comp, me, publish=False))["id"]
    official_draft = (await create(client, comp, admin, publish=False, official=True))["id"]
    withdrawn = (await create(client, comp, me))["id"]
    assert (await client.post(comp.proposal(withdrawn) + "/withdraw", headers=me)).status_code == 200
    ids = [uuid.UUID(i) for i in (published, draft, official_draft, withdrawn)]

    seen = await check_visibility_matches_reads(
        client, world, app, "proposals", "proposal", ids, callers=READERS
    )
    public = {ids[0], ids[3]}
    assert seen["anonymous"] == seen["staff"] == seen["beta_admin"] == public
    assert seen["participant"] == public | {ids[1]}  # their own draft
    assert seen["admin"] == seen["platform"] == public | {ids[2]}  # the official draft

    rtype = app.state.registry.resource_type("proposals", "proposal")
    info = (await describe(app, rtype, world.alpha.id, ids))[ids[0]]
    assert (info.path, info.component_id, info.title) == (
        comp.proposal(published),
        uuid.UUID(comp.id),
        {"fr": "Un potager collectif"},
    )
    await check_component_rule(
        client,
        world,
        app,
        "proposals",
        "proposal",
        ids,
        process_id=comp.process_id,
        component_id=comp.id,
        public=public,
    )


async def test_other_communes_proposals_are_neither_visible_nor_described(
    client: httpx.AsyncClient, world: World
) -> None:
    app = world.app
    rtype = app.state.registry.resource_type("proposals", "proposal")
    beta_comp = await make_component(client, world, commune="beta")
    theirs = uuid.UUID((await create(client, beta_comp, world.headers("beta_admin"), official=True))["id"])
    alpha, beta = await commune(app, "alpha"), await commune(app, "beta")
    assert await visible(app, rtype, alpha.id, ANONYMOUS, [theirs]) == set()
    assert await describe(app, rtype, alpha.id, [theirs]) == {}
    assert await visible(app, rtype, beta.id, ANONYMOUS, [theirs]) == {theirs}


async def test_a_page_of_fifty_proposals_costs_as_much_as_one(
    client: httpx.AsyncClient, world: World
) -> None:
    app = world.app
    comp = await make_component(client, world)
    admin = world.headers("admin")
    ids = [(await create(client, comp, admin, official=True))["id"] for _ in range(50)]
    alpha = await commune(app, "alpha")
    # one query each for visible and describe (and the unit of work's own BEGIN on SQLite)
    assert await check_constant_statements(app, "proposals", "proposal", ids) <= 4
    participant = caller(app, world, "participant", alpha)
    assert await check_constant_statements(app, "proposals", "proposal", ids, who=participant) <= 4
    rtype = app.state.registry.resource_type("proposals", "proposal")
    assert len(await visible(app, rtype, alpha.id, ANONYMOUS, [uuid.UUID(i) for i in ids])) == 50
