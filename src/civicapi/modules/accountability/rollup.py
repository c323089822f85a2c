"""Progress roll-up: a parent's progress is the weighted mean of its children's (a weight left empty counts
as 1; when every weight is 0, the plain mean), recomputed up the tree in the unit of work of the change.

Concurrency. After a change to a result is flushed, its parent is locked (``SELECT ... FOR NO KEY UPDATE``
on PostgreSQL, re-read), its progress recomputed *from the children as they are now* (a new statement,
hence a fresh snapshot under READ COMMITTED), written, and the walk goes on with the grandparent. Every
writer takes these locks bottom-up along the path, the order the tree gives, so two writers never wait on
each other in a cycle; the last writer to hold a parent's lock sees every committed sibling change, so
the final value is the mean of the final children whatever the interleaving (50 racing child updates
included). ``NO KEY UPDATE`` does not conflict with the key-share lock that inserting a child takes on its
parent. SQLite serialises writers (``BEGIN IMMEDIATE``), which makes the same walk trivially correct.

The walk stops early at a parent whose value does not change: its ancestors already agree with it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.errors import InvalidInput
from civicapi.modules.accountability import audit_helpers as trail
from civicapi.modules.accountability import places
from civicapi.modules.accountability import service_events as events
from civicapi.modules.accountability.models import Result
from civicapi.modules.accountability.repository import ChildrenAggregate, ResultRepository
from civicapi.modules.accountability.settings import ComponentContext

MAX_DEPTH = 8
"""Levels a tree may have (a top-level result is level 1)."""
EPSILON = 1e-9


def clamp(value: float) -> float:
    return min(100.0, max(0.0, value))


def weighted_mean(children: Iterable[tuple[float | None, float]]) -> float | None:
    """Mean of ``(weight, progress)`` pairs: weighted (``None`` weighs 1), plain when all weights are 0;
    ``None`` without children."""
    count = 0
    weighted = total = plain = 0.0
    for weight, progress in children:
        w = 1.0 if weight is None else weight
        count += 1
        weighted += w * progress
        total += w
        plain += progress
    return aggregate_mean(ChildrenAggregate(count, weighted, total, plain))


def aggregate_mean(agg: ChildrenAggregate) -> float | None:
    if agg.count == 0:
        return None
    if agg.weight_total > 0:
        return clamp(agg.weighted_sum / agg.weight_total)
    return clamp(agg.plain_sum / agg.count)


def _rolled_up(session: AsyncSession, ctx: ComponentContext, parent: Result, previous: float) -> None:
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="result",
        id=parent.id,
        verb="rollup",
        changes={"progress": [previous, parent.progress]},
        public=ctx.public,
    )
    events.progress_changed(session, ctx, parent, previous=previous, cause="rollup")


async def roll_up(session: AsyncSession, ctx: ComponentContext, parent_id: uuid.UUID | None) -> None:
    """Recompute ``parent_id`` and its ancestors from their children, after the change is flushed."""
    repo = ResultRepository(session, ctx.commune_id)
    await session.flush()
    for _ in range(MAX_DEPTH + 1):
        if parent_id is None:
            return
        parent = await repo.lock(parent_id)
        if parent is None:
            return
        value = aggregate_mean(await repo.children_aggregate(parent_id))
        if value is None or abs(value - parent.progress) <= EPSILON:
            return
        previous, parent.progress = parent.progress, value
        await session.flush()
        _rolled_up(session, ctx, parent, previous)
        await places.progress_changed(session, parent)
        parent_id = parent.parent_id


async def recompute_component(session: AsyncSession, ctx: ComponentContext) -> int:
    """Recompute every parent of the component at once (bulk imports): the parents are locked in id order,
    the tree re-read and folded bottom-up in memory. Returns how many parents changed."""
    repo = ResultRepository(session, ctx.commune_id)
    await session.flush()
    rows = await repo.tree_rows(ctx.component_id)
    parent_ids = {parent for _, parent, _, _ in rows if parent is not None}
    locked = {r.id: r for r in await repo.lock_many(parent_ids)}
    rows = await repo.tree_rows(ctx.component_id)
    children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    weight: dict[uuid.UUID, float | None] = {}
    progress: dict[uuid.UUID, float] = {}
    for id_, parent, w, p in rows:
        weight[id_], progress[id_] = w, p
        if parent is not None:
            children[parent].append(id_)
    roots = [id_ for id_, parent, _, _ in rows if parent is None]
    order: list[uuid.UUID] = []  # parents before children
    stack = list(roots)
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children.get(node, ()))
    changed = 0
    for node in reversed(order):  # children before parents
        kids = children.get(node)
        if not kids:
            continue
        value = weighted_mean((weight[k], progress[k]) for k in kids)
        assert value is not None
        progress[node] = value
        row = locked.get(node)
        if row is not None and abs(row.progress - value) > EPSILON:
            previous, row.progress = row.progress, value
            _rolled_up(session, ctx, row, previous)
            await places.progress_changed(session, row)
            changed += 1
    await session.flush()
    return changed


# --- the tree's shape ------------------------------------------------------------------------------------


def _parent_error(detail: str, code: str) -> InvalidInput:
    return InvalidInput(
        detail,
        reason=code,
        errors=[{"location": ["body", "parent_id"], "message": detail, "code": code}],
    )


async def _chain(repo: ResultRepository, start: uuid.UUID) -> list[uuid.UUID]:
    """``start`` and its ancestors, bottom-up."""
    chain: list[uuid.UUID] = []
    current: uuid.UUID | None = start
    while current is not None and len(chain) <= MAX_DEPTH:
        chain.append(current)
        info = await repo.parent_of(current)
        current = info[1] if info else None
    return chain


async def _height(repo: ResultRepository, result_id: uuid.UUID) -> int:
    """Levels of the subtree under ``result_id``, itself included."""
    level, frontier = 1, [result_id]
    while level <= MAX_DEPTH:
        frontier = await repo.children_ids(frontier)
        if not frontier:
            return level
        level += 1
    return level


async def check_parent(
    session: AsyncSession, ctx: ComponentContext, result_id: uuid.UUID | None, parent_id: uuid.UUID
) -> None:
    """422 unless ``parent_id`` is a result of the same component, not ``result_id`` itself nor one of its
    descendants (a cycle), and the tree stays within :data:`MAX_DEPTH` levels."""
    repo = ResultRepository(session, ctx.commune_id)
    info = await repo.parent_of(parent_id)
    if info is None or info[0] != ctx.component_id:
        raise _parent_error("the parent must be a result of the same component", "parent_not_found")
    chain = await _chain(repo, parent_id)
    if result_id is not None and result_id in chain:
        raise _parent_error("a result cannot be its own ancestor", "cycle")
    height = 1 if result_id is None else await _height(repo, result_id)
    if len(chain) + height > MAX_DEPTH:
        raise _parent_error(f"a tree of results has at most {MAX_DEPTH} levels", "too_deep")
