"""The projects of a budget in a seeded random order (``sort=random``), and cursors a client forged."""

from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Any

import httpx

from civicapi.core.pagination import daily_seed
from tests.fixtures.factories import World
from tests.modules.budgets.helpers import assert_problem, make_budget, make_component, make_projects

PROJECTS = 9


async def _pages(client: httpx.AsyncClient, url: str, params: dict[str, Any]) -> list[str]:
    """Every project id, page after page."""
    ids: list[str] = []
    cursor = None
    for _ in range(50):
        r = await client.get(url, params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        ids += [p["id"] for p in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("the pages never ended")


def _forged(sort: str, values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([sort, values]).encode()).decode().rstrip("=")


async def test_a_seed_gives_one_shuffled_order_paged_without_repeats(
    client: httpx.AsyncClient, world: World
) -> None:
    comp = await make_component(client, world)
    budget = await make_budget(client, world, comp)
    made = await make_projects(client, world, comp, budget["id"], [1_000 * (i + 1) for i in range(PROJECTS)])
    everyone = {p["id"] for p in made}
    url = comp.projects(budget["id"])

    by_position = await _pages(client, url, {"limit": 4})
    shuffled = await _pages(client, url, {"limit": 4, "sort": "random", "seed": 7})
    assert set(shuffled) == everyone and len(shuffled) == PROJECTS
    # the same seed, the same order, whatever the page size; another seed, another order
    assert await _pages(client, url, {"limit": 2, "sort": "random", "seed": 7}) == shuffled
    assert await _pages(client, url, {"limit": 20, "sort": "random", "seed": 7}) == shuffled
    orders = [await _pages(client, url, {"limit": 20, "sort": "random", "seed": s}) for s in range(60)]
    assert len({tuple(o) for o in orders}) == 60 and tuple(by_position) not in {tuple(o) for o in orders}
    # no project is always first: over 60 seeds, every one leads at least once, none more than 20 times
    leaders = Counter(o[0] for o in orders)
    assert set(leaders) == everyone and max(leaders.values()) <= 20, leaders
    # without a seed: today's shuffle, the same for every visitor of the day
    today = await _pages(client, url, {"limit": 4, "sort": "random"})
    assert today == await _pages(client, url, {"limit": 9, "sort": "random", "seed": daily_seed()})
    # filters apply before the shuffle
    r = await client.get(url, params={"sort": "random", "seed": 7, "category": "none-such"})
    assert r.json() == {"items": [], "next_cursor": None}

    # a cursor carries its seed: another seed, or another sort's cursor, is refused
    first = (await client.get(url, params={"limit": 4, "sort": "random", "seed": 7})).json()
    r = await client.get(
        url, params={"limit": 4, "sort": "random", "seed": 8, "cursor": first["next_cursor"]}
    )
    assert assert_problem(r, 422)["errors"][0]["code"] == "invalid_cursor"
    by_cost = (await client.get(url, params={"limit": 4, "sort": "cost"})).json()
    r = await client.get(url, params={"sort": "random", "cursor": by_cost["next_cursor"]})
    assert assert_problem(r, 422)["errors"][0]["code"] == "invalid_cursor"
    r = await client.get(url, params={"sort": "-random"})
    assert "random" in assert_problem(r, 422)["errors"][0]["message"]
    assert_problem(await client.get(url, params={"sort": "random", "seed": -1}), 422)


async def test_forged_cursors_are_a_422_never_a_500(client: httpx.AsyncClient, world: World) -> None:
    """A cursor is opaque but comes from the client: wrong arity, wrong types or a seed that is not one
    must be refused before anything reaches the database."""
    comp = await make_component(client, world)
    budget = await make_budget(client, world, comp)
    await make_projects(client, world, comp, budget["id"], [1_000, 2_000, 3_000])
    url = comp.projects(budget["id"])
    uid = {"u": "7d1e0c5b-9a21-4c3e-8f00-000000000001"}
    forged = [
        ("position", _forged("position", [1, uid, 3])),
        ("position", _forged("position", [1])),
        ("position", _forged("position", ["first", uid])),
        ("position", _forged("position", [1, "not-a-uuid"])),
        ("position", _forged("position", [True, uid])),
        ("position", _forged("position", [2**40, uid])),  # past a 32-bit column
        ("cost", _forged("cost", [2**70, uid])),  # past a 64-bit column
        ("created_at", _forged("created_at", [12, uid])),
        ("cost", _forged("cost", [{"t": "yesterday"}, uid])),
        ("created_at", _forged("created_at", [{"t": "2026-01-01T00:00:00"}, uid])),  # no offset
        ("random", _forged("random", ["seven", "00", "x"])),
        ("random", _forged("random", [None, "00", "x"])),
        ("random", _forged("random", [2**40, "00", "x"])),
        ("random", _forged("random", [7, "00"])),
        ("random", "%%%"),
    ]
    for sort, cursor in forged:
        r = await client.get(url, params={"sort": sort, "cursor": cursor})
        assert assert_problem(r, 422)["errors"][0]["code"] == "invalid_cursor", (sort, cursor, r.text)
