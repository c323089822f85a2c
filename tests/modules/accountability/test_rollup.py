"""Progress roll-up: a parent's progress is the weighted mean of its children's, always within 0-100,
recomputed up the tree on every change (property-based), and right when 50 child updates race."""

from __future__ import annotations

import asyncio
import math
import random
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicapi.core.events import Event
from civicapi.modules.accountability.rollup import weighted_mean
from tests.fixtures.factories import World
from tests.modules.accountability.helpers import Comp, assert_problem, get_result, make_component, make_result

# Subnormal floats (below 2.2e-308) are left out: the API keeps six decimals, so none reaches the roll-up,
# and this test's own expected value loses its precision on them (5e-324 x 1.5 / 5e-324 == 2.0).
PROGRESS = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False, allow_subnormal=False)
WEIGHT = st.one_of(
    st.none(),
    st.floats(min_value=0, max_value=10, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)


@given(st.lists(st.tuples(WEIGHT, PROGRESS), max_size=30))
def test_weighted_mean_is_a_mean(children: list[tuple[float | None, float]]) -> None:
    value = weighted_mean(children)
    if not children:
        assert value is None
        return
    assert value is not None and 0 <= value <= 100
    assert min(p for _, p in children) - 1e-9 <= value <= max(p for _, p in children) + 1e-9
    weights = [1.0 if w is None else w for w, _ in children]
    if sum(weights) > 0:
        expected = sum(w * p for w, (_, p) in zip(weights, children, strict=True)) / sum(weights)
    else:
        expected = sum(p for _, p in children) / len(children)
    assert math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-9)


def test_plain_mean_when_weights_are_unset_or_equal() -> None:
    assert weighted_mean([(None, 10), (None, 20), (None, 60)]) == 30
    assert weighted_mean([(3, 10), (3, 20), (3, 60)]) == 30
    assert weighted_mean([(0, 10), (0, 30)]) == 20  # all weights 0: plain mean
    assert weighted_mean([(None, 0), (3, 100)]) == 75  # unset counts as 1


async def _tree(client: httpx.AsyncClient, comp: Comp) -> dict[str, dict[str, Any]]:
    """Every result of the component, page after page (the examples share one component: it may hold
    more results than one page)."""
    rows: dict[str, dict[str, Any]] = {}
    params: dict[str, Any] = {"limit": 100}
    while True:
        r = await client.get(comp.url + "/export.json", params=params)
        assert r.status_code == 200, r.text
        rows.update({row["id"]: row for row in r.json()["items"]})
        if r.json()["next_cursor"] is None:
            return rows
        params["cursor"] = r.json()["next_cursor"]


def _check_invariant(rows: dict[str, dict[str, Any]]) -> None:
    children: dict[str, list[dict[str, Any]]] = {}
    for row in rows.values():
        assert 0 <= row["progress"] <= 100
        if row["parent_id"]:
            children.setdefault(row["parent_id"], []).append(row)
    for parent_id, kids in children.items():
        expected = weighted_mean([(k["weight"], k["progress"]) for k in kids])
        assert expected is not None
        assert math.isclose(rows[parent_id]["progress"], expected, abs_tol=1e-6), (rows[parent_id], kids)


# A random tree (node i hangs under an earlier node, or under the example's root), then random edits.
NODES = st.integers(min_value=1, max_value=10).flatmap(
    lambda n: st.tuples(
        st.tuples(*(st.integers(min_value=-1, max_value=i - 1) for i in range(n))),
        st.lists(st.tuples(PROGRESS, WEIGHT), min_size=n, max_size=n),
    )
)
EDITS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=9),
        st.sampled_from(["progress", "weight", "bad", "move"]),
        PROGRESS,
        WEIGHT,
        st.integers(min_value=-1, max_value=9),
    ),
    max_size=8,
)


def _expected_move(parent_of: dict[str, str | None], node: str, new_parent: str) -> int:
    """What moving ``node`` under ``new_parent`` should answer: 422 for a cycle or a tree over 8 levels."""
    ancestors, current = [], new_parent
    while current is not None:
        ancestors.append(current)
        current = parent_of[current]
    if node in ancestors:
        return 422
    height, level = 1, [node]
    while True:
        level = [k for k, v in parent_of.items() if v in level]
        if not level:
            break
        height += 1
    return 422 if len(ancestors) + height > 8 else 200


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=NODES, edits=EDITS)
async def test_rollup_keeps_parents_the_weighted_mean_of_children(
    client: httpx.AsyncClient, world: World, tree: Any, edits: Any
) -> None:
    if not hasattr(world, "_acc_comp"):
        world._acc_comp = await make_component(client, world)  # type: ignore[attr-defined]
    comp: Comp = world._acc_comp  # type: ignore[attr-defined]
    admin = world.headers("admin")
    parents, values = tree
    root = await make_result(client, world, comp, "Racine")
    ids: list[str] = []
    depth: list[int] = []
    for i, (parent, (progress, weight)) in enumerate(zip(parents, values, strict=True)):
        if parent >= 0 and depth[parent] >= 6:
            parent = -1
        depth.append(1 if parent < 0 else depth[parent] + 1)
        parent_id = root["id"] if parent < 0 else ids[parent]
        body = {"parent_id": parent_id, "progress": progress, "weight": weight}
        ids.append((await make_result(client, world, comp, f"N{i}", **body))["id"])
    parent_of: dict[str, str | None] = {root["id"]: None}
    for i, node in enumerate(ids):
        parent_of[node] = root["id"] if parents[i] < 0 or depth[i] == 1 else ids[parents[i]]
    for index, kind, progress, weight, other in edits:
        target = ids[index % len(ids)]
        has_children = {p for p in parent_of.values() if p is not None}
        if kind == "progress":
            r = await client.patch(comp.result(target), json={"progress": progress}, headers=admin)
            assert r.status_code == (409 if target in has_children else 200), r.text
        elif kind == "weight":
            r = await client.patch(comp.result(target), json={"weight": weight}, headers=admin)
            assert r.status_code == 200, r.text
        elif kind == "move":
            new_parent = root["id"] if other < 0 else ids[other % len(ids)]
            expected = _expected_move(parent_of, target, new_parent)
            r = await client.patch(comp.result(target), json={"parent_id": new_parent}, headers=admin)
            assert r.status_code == expected, r.text
            if expected == 200:
                parent_of[target] = new_parent
        else:
            r = await client.patch(
                comp.result(target), json={"progress": 100 + progress + 0.001}, headers=admin
            )
            assert_problem(r, 422)
    _check_invariant(await _tree(client, comp))


async def test_tiny_weights_and_progress_are_rounded_not_an_underflow(
    client: httpx.AsyncClient, world: World
) -> None:
    """Found by the property above on PostgreSQL: 3.4e-307 x 1.7e-18 underflowed double precision in the
    roll-up query (a 500). Six decimals are kept, so such values are zeros and products stay representable."""
    comp = await make_component(client, world)
    root = await make_result(client, world, comp, "Racine")
    child = await make_result(
        client, world, comp, "Tiny", parent_id=root["id"], progress=1.6953669385443399e-18, weight=3.4e-307
    )
    assert (child["progress"], child["weight"]) == (0.0, 0.0)
    other = await make_result(
        client, world, comp, "Precise", parent_id=root["id"], progress=33.3333333333, weight=0.1234567
    )
    assert (other["progress"], other["weight"]) == (33.333333, 0.123457)
    assert 0 <= (await get_result(client, comp, root["id"]))["progress"] <= 100


async def test_fifty_concurrent_child_updates(client: httpx.AsyncClient, world: World) -> None:
    comp = await make_component(client, world)
    root = await make_result(client, world, comp, "Racine")
    parent = await make_result(client, world, comp, "Parc", parent_id=root["id"], weight=3)
    await make_result(client, world, comp, "Voirie", parent_id=root["id"], progress=100, weight=1)
    kids = [
        (await make_result(client, world, comp, f"Lot {i}", parent_id=parent["id"], progress=0))["id"]
        for i in range(50)
    ]
    rng = random.Random(2026)
    targets = {kid: round(rng.uniform(0, 100), 2) for kid in kids}
    admin = world.headers("admin")
    responses = await asyncio.gather(
        *(
            client.patch(comp.result(kid), json={"progress": value}, headers=admin)
            for kid, value in targets.items()
        )
    )
    assert [r.status_code for r in responses] == [200] * 50, [
        r.text for r in responses if r.status_code != 200
    ]
    expected_parent = sum(targets.values()) / 50
    assert math.isclose(
        (await get_result(client, comp, parent["id"]))["progress"], expected_parent, abs_tol=1e-6
    )
    expected_root = (3 * expected_parent + 100) / 4
    assert math.isclose((await get_result(client, comp, root["id"]))["progress"], expected_root, abs_tol=1e-6)
    _check_invariant(await _tree(client, comp))


async def test_progress_and_status_events(client: httpx.AsyncClient, world: World, app: Any) -> None:
    received: list[Event] = []

    async def handler(event: Event, session: Any) -> None:
        received.append(event)

    for name in ("accountability.progress_changed", "accountability.status_changed"):
        app.state.db.bus.subscribe(name, handler)
    comp = await make_component(client, world)
    r = await client.post(
        comp.statuses,
        json={"key": "works", "name": {"fr": "Travaux"}, "progress": 40},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201
    root = await make_result(client, world, comp, "Racine")
    child = await make_result(client, world, comp, "Lot", parent_id=root["id"], external_id="L-1")
    received.clear()
    r = await client.patch(
        comp.result(child["id"]) + "/progress", json={"status": "works"}, headers=world.headers("staff")
    )
    assert r.status_code == 200, r.text
    by_name = {(e.name, e.payload["result_id"]): e.payload for e in received}
    status = by_name[("accountability.status_changed", child["id"])]
    assert (
        status["previous_status"] is None and status["status"] == "works" and status["external_id"] == "L-1"
    )
    progress = by_name[("accountability.progress_changed", child["id"])]
    assert (progress["previous_progress"], progress["progress"], progress["cause"]) == (0, 40, "status")
    rolled = by_name[("accountability.progress_changed", root["id"])]
    assert (rolled["progress"], rolled["cause"]) == (40, "rollup")
    assert rolled["process_id"] == comp.process_id and rolled["component_id"] == comp.id
