"""The component summary: overall progress, counts by status, planned vs spent, by district, in a
constant number of queries whatever the size of the tree."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.fixtures.factories import World
from tests.modules.accountability.helpers import Comp, make_component, make_result, make_status


@contextmanager
def count_queries(engine: AsyncEngine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)


def tree_csv(roots: int, fanout: tuple[int, int, int], *, prefix: str) -> str:
    """A 4-level tree: ``roots`` top-level results, each with fanout[0] children, and so on."""
    lines = [
        "external_id,parent_external_id,title_fr,progress,weight,planned_amount,spent_amount,district,status"
    ]
    for r in range(roots):
        root = f"{prefix}{r}"
        lines.append(f"{root},,Projet {r},,,{1000 * (r + 1)},{100 * r},{'Nord' if r % 2 else 'Sud'},")
        for a in range(fanout[0]):
            level2 = f"{root}.{a}"
            lines.append(f"{level2},{root},Lot {a},,{a + 1},,,,")
            for b in range(fanout[1]):
                level3 = f"{level2}.{b}"
                lines.append(f"{level3},{level2},Tâche {b},,,,,,")
                for c in range(fanout[2]):
                    status = "done" if c % 3 == 0 else ""
                    lines.append(f"{level3}.{c},{level3},Étape {c},{(c * 37) % 101},,,,,{status}")
    return "\n".join(lines) + "\n"


async def _summary(client: httpx.AsyncClient, comp: Comp) -> dict[str, Any]:
    r = await client.get(comp.url + "/summary")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_summary_figures(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    await make_status(client, world, comp, "done", 100)
    await make_status(client, world, comp, "works", 50)
    a = await make_result(
        client, world, comp, "A", district="Nord", planned_amount=1000, spent_amount=600, weight=3
    )
    await make_result(client, world, comp, "A1", parent_id=a["id"], status="done", planned_amount=999)
    await make_result(client, world, comp, "A2", parent_id=a["id"], status="works")
    await make_result(client, world, comp, "B", district="Sud", planned_amount=500, status="works", weight=1)
    await make_result(client, world, comp, "C", progress=10)
    body = await _summary(client, comp)
    assert body["results_count"] == 5 and body["top_level_count"] == 3
    # top level: A = 75 (weight 3), B = 50 (weight 1), C = 10 (weight 1 by default)
    assert body["progress"] == (3 * 75 + 50 + 10) / 5
    assert (body["planned_amount"], body["spent_amount"]) == (1500, 600)  # sub-results are not counted twice
    assert body["by_status"] == [
        {"key": "done", "name": {"fr": "Done"}, "count": 1, "top_level_count": 0},
        {"key": "works", "name": {"fr": "Works"}, "count": 2, "top_level_count": 1},
        {"key": None, "name": None, "count": 2, "top_level_count": 2},
    ]
    assert body["by_district"] == [
        {"district": "Nord", "count": 1, "progress": 75.0, "planned_amount": 1000, "spent_amount": 600},
        {"district": "Sud", "count": 1, "progress": 50.0, "planned_amount": 500, "spent_amount": 0},
        {"district": None, "count": 1, "progress": 10.0, "planned_amount": 0, "spent_amount": 0},
    ]
    empty = await make_component(client, world, process_id=comp.process_id)
    assert (await _summary(client, empty))["progress"] is None


async def test_summary_queries_do_not_grow_with_the_tree(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    small = await make_component(client, world)
    large = await make_component(client, world, process_id=small.process_id)
    counts = []
    for comp, roots, fanout in ((small, 1, (1, 1, 1)), (large, 4, (3, 4, 5))):
        await make_status(client, world, comp, "done", 100)
        r = await client.post(
            comp.url + "/import",
            content=tree_csv(roots, fanout, prefix="P").encode(),
            headers={**world.headers("admin"), "Content-Type": "text/csv"},
        )
        assert r.status_code == 200, r.text
        await _summary(client, comp)  # warm caches (prepared statements, the commune's row)
        with count_queries(engine) as statements:
            body = await _summary(client, comp)
        counts.append(len(statements))
        assert body["results_count"] == roots * (1 + fanout[0] * (1 + fanout[1] * (1 + fanout[2])))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12, counts
