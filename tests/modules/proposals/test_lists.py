"""Lists: filters, sorts (recent, most supported, a seeded shuffle that pages without repeats), keyset
pagination, and a constant number of SQL queries whatever the page size."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.modules.proposals.helpers import Comp, assert_problem, create, make_component


async def _all_pages(
    client: httpx.AsyncClient, url: str, params: dict[str, Any], headers: Any = None
) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        r = await client.get(
            url, params={**params, **({"cursor": cursor} if cursor else {})}, headers=headers
        )
        assert r.status_code == 200, r.text
        body = r.json()
        ids += [p["id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in r.headers
            return ids
        assert 'rel="next"' in r.headers["link"]


@contextmanager
def count_queries(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)


async def _seed(client: httpx.AsyncClient, world: World) -> tuple[Comp, dict[str, dict[str, Any]]]:
    comp = await make_component(
        client, world, settings={"geolocation_enabled": True, "districts": ["Centre", "Outremeuse"]}
    )
    me, staff = world.headers("participant"), world.headers("staff")
    made = {
        "garden": await create(
            client,
            comp,
            me,
            title={"fr": "Un potager à l'Église"},
            district="Centre",
            category="Nature",
            latitude=50.64,
            longitude=5.57,
        ),
        "bench": await create(
            client,
            comp,
            staff,
            title={"fr": "Des bancs"},
            district="Outremeuse",
            latitude=50.63,
            longitude=5.59,
        ),
        "bikes": await create(client, comp, staff, title={"fr": "Parking vélos"}, category="Mobilité"),
        "official": await create(client, comp, world.headers("admin"), official=True),
    }
    return comp, made


async def test_filters(client: httpx.AsyncClient, world: World) -> None:
    comp, made = await _seed(client, world)
    me = world.headers("participant")
    r = await client.post(comp.proposal(made["bench"]["id"]) + "/supports", headers=me)
    assert r.status_code == 201
    r = await client.put(
        comp.proposal(made["bikes"]["id"]) + "/answer",
        json={"state": "accepted"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 200

    async def ids(headers: Any = None, **params: Any) -> set[str]:
        return set(await _all_pages(client, comp.proposals, params, headers))

    def named(*names: str) -> set[str]:
        return {made[n]["id"] for n in names}

    assert await ids() == named("garden", "bench", "bikes", "official")
    assert await ids(district="Centre") == named("garden")
    assert await ids(category="Mobilité") == named("bikes")
    assert await ids(q="eglise") == named("garden")  # case and accents folded
    assert await ids(q="POTAGER église") == named("garden")
    assert await ids(q=made["bench"]["reference"]) == named("bench")
    assert await ids(q="100%") == set()
    assert await ids(bbox="5.5,50.6,5.58,50.65") == named("garden")
    assert await ids(author=str(world.users["staff"].id)) == named("bench", "bikes")
    assert await ids(official=True) == named("official")
    assert await ids(state="accepted") == named("bikes")
    assert await ids(state="not_answered,accepted") == named("garden", "bench", "bikes", "official")
    assert await ids(me, mine=True) == named("garden")
    assert await ids(me, supported=True) == named("bench")
    assert_problem(await client.get(comp.proposals, params={"mine": True}), 401)
    for bad in (
        {"bbox": "1,2,3"},
        {"bbox": "5,50,4,51"},
        {"bbox": "a,b,c,d"},
        {"status": "lost"},
        {"limit": 101},
    ):
        assert_problem(await client.get(comp.proposals, params=bad), 422)


async def test_sorts_and_the_seeded_shuffle(client: httpx.AsyncClient, world: World, db: Database) -> None:
    comp = await make_component(client, world)
    admin = world.headers("admin")
    made = [await create(client, comp, admin, official=True, title={"fr": f"Idée {i}"}) for i in range(12)]
    all_ids = {p["id"] for p in made}
    recent = await _all_pages(client, comp.proposals, {"limit": 5})
    assert recent == [p["id"] for p in reversed(made)]
    oldest = await _all_pages(client, comp.proposals, {"limit": 5, "sort": "published_at"})
    assert oldest == [p["id"] for p in made]
    for p in made[:3]:
        assert (
            await client.post(comp.proposal(p["id"]) + "/supports", headers=world.headers("participant"))
        ).status_code == 201
    r = await client.post(comp.proposal(made[1]["id"]) + "/supports", headers=world.headers("staff"))
    assert r.status_code == 201
    top = await _all_pages(client, comp.proposals, {"limit": 4, "sort": "-supports_count"})
    assert top[0] == made[1]["id"] and set(top[1:3]) == {made[0]["id"], made[2]["id"]} and set(top) == all_ids
    shuffled = await _all_pages(client, comp.proposals, {"limit": 5, "sort": "random", "seed": 7})
    assert set(shuffled) == all_ids and len(shuffled) == 12
    assert await _all_pages(client, comp.proposals, {"limit": 3, "sort": "random", "seed": 7}) == shuffled
    others = [
        await _all_pages(client, comp.proposals, {"limit": 12, "sort": "random", "seed": s}) for s in range(5)
    ]
    assert any(o != shuffled for o in others)
    daily = await _all_pages(client, comp.proposals, {"limit": 5, "sort": "random"})
    assert set(daily) == all_ids
    first = (await client.get(comp.proposals, params={"limit": 5})).json()
    r = await client.get(
        comp.proposals, params={"limit": 5, "sort": "random", "cursor": first["next_cursor"]}
    )
    assert assert_problem(r, 422)["errors"][0]["code"] == "invalid_cursor"
    for bad in ("-random", "title", "-published_at,id"):
        assert_problem(await client.get(comp.proposals, params={"sort": bad}), 422)
    # a forged cursor (the right sort, values of the wrong number or type) is a 422, never a 500
    uid = {"u": made[0]["id"]}
    for sort, values in (
        ("-published_at", [{"t": "2026-01-01T00:00:00+00:00"}, uid, 3]),
        ("-published_at", ["yesterday", uid]),
        ("-supports_count", [{"t": "2026-01-01T00:00:00+00:00"}, uid]),
        ("-supports_count", [2**40, uid]),  # past the 32-bit column
        ("created_at", [{"t": "2026-01-01T00:00:00+00:00"}, "not-a-uuid"]),
    ):
        raw = base64.urlsafe_b64encode(json.dumps([sort, values]).encode()).decode()
        r = await client.get(comp.proposals, params={"sort": sort, "cursor": raw})
        assert assert_problem(r, 422)["errors"][0]["code"] == "invalid_cursor", (sort, values, r.text)


async def test_list_queries_do_not_grow_with_the_page(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    me = world.headers("participant")
    for i in range(40):
        proposal = await create(client, comp, me, title={"fr": f"Idée {i}"})
        if i % 3 == 0:
            assert (
                await client.post(comp.proposal(proposal["id"]) + "/supports", headers=me)
            ).status_code == 201
    db.row_memo.seconds = 0  # kept rows would spare some requests of the series a query or two
    counts = {}
    for who in ("anonymous", "participant"):
        for limit in (2, 40):
            with count_queries(db) as statements:
                r = await client.get(comp.proposals, params={"limit": limit}, headers=world.headers(who))
            assert r.status_code == 200 and len(r.json()["items"]) == limit
            counts[(who, limit)] = len(statements)
    assert counts[("anonymous", 2)] == counts[("anonymous", 40)], counts
    assert counts[("participant", 2)] == counts[("participant", 40)], counts
    with count_queries(db) as statements:
        r = await client.get(
            f"{comp.url}/export.json", params={"limit": 40}, headers=world.headers("participant")
        )
    assert r.status_code == 200 and len(r.json()["items"]) == 40
    assert len(statements) <= counts[("participant", 40)]
