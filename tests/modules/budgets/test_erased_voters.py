"""What stays of an erased person's votes names no one: their register rows keep being counted, under a
random key once no open vote needs their identity's key (and at once when the key was derived from the
account itself)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicapi.core.db.session import Database
from civicapi.modules.budgets.models import Voter
from civicapi.modules.budgets.voting.service_voters import account_key
from tests.fixtures.factories import World, bearer, make_user
from tests.modules.budgets.helpers import hasher, make_budget, make_component, make_projects, resident


async def _register(db: Database) -> list[Voter]:
    async with db.unit_of_work() as session:
        return list((await session.execute(select(Voter).order_by(Voter.created_at))).scalars())


async def test_an_erased_account_leaves_no_account_derived_key(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await make_component(client, world, settings={})  # no verification asked
    budget = await make_budget(client, world, comp)
    projects = await make_projects(client, world, comp, budget["id"], [40_000, 30_000])
    person = await make_user(db, "no-census@test.org")
    me = bearer(app, person)
    r = await client.post(comp.ballot(budget["id"]), json={"projects": [projects[0]["id"]]}, headers=me)
    assert r.status_code == 201, r.text
    assert [v.voter_key for v in await _register(db)] == [account_key(world.alpha.id, person.id)]

    assert (await client.delete("/v1/me", headers=me)).status_code == 204
    [kept] = await _register(db)
    assert kept.status == "voted" and kept.user_id is None
    assert kept.voter_key != account_key(world.alpha.id, person.id)
    assert len(kept.voter_key) == 64


@pytest.mark.parametrize("erased", ["while_open", "after_close"])
async def test_an_erased_residents_identity_key_stays_only_while_the_vote_is_open(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, erased: str
) -> None:
    comp = await make_component(client, world)
    budget = await make_budget(client, world, comp)
    projects = await make_projects(client, world, comp, budget["id"], [40_000, 30_000])
    anne, anne_h = await resident(db, app, world, "A-1")
    _, bruno_h = await resident(db, app, world, "B-2")
    for headers in (anne_h, bruno_h):
        r = await client.post(
            comp.ballot(budget["id"]), json={"projects": [projects[0]["id"]]}, headers=headers
        )
        assert r.status_code == 201, r.text
    keys = {hasher(app).identity_key(world.alpha.id, i) for i in ("A-1", "B-2")}
    assert {v.voter_key for v in await _register(db)} == keys
    close = f"{comp.budget(budget['id'])}/close"

    if erased == "while_open":
        assert (await client.delete("/v1/me", headers=anne_h)).status_code == 204
        # one person, one vote: the identity still keeps a new account of Anne's from voting again
        assert {v.voter_key for v in await _register(db)} == keys
        assert (await client.post(close, headers=world.headers("admin"))).status_code == 200
    else:
        assert (await client.post(close, headers=world.headers("admin"))).status_code == 200
        assert (await client.delete("/v1/me", headers=anne_h)).status_code == 204

    register = await _register(db)
    assert [v.status for v in register] == ["voted", "voted"]
    bruno_key = hasher(app).identity_key(world.alpha.id, "B-2")
    assert [v.voter_key for v in register if v.user_id is not None] == [bruno_key]
    [anne_row] = [v for v in register if v.user_id is None]
    assert anne_row.voter_key not in keys and anne.id is not None
