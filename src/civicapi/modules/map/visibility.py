"""What a caller sees of the places index: the kit's rule for components (in SQL, see ``repository``) and,
for unpublished places and places in no component, the owning module's own rule, asked through its
resource type once per type and batch of places, never once per place."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.registry import ModuleRegistry, ResourceCaller, ResourceType, UnknownResourceType


def _by_type(rows: Iterable[Any]) -> dict[tuple[str, str], list[Any]]:
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in rows:
        groups[(row.module, row.resource_type)].append(row)
    return groups


def _type(registry: ModuleRegistry, module: str, name: str) -> ResourceType | None:
    try:
        return registry.resource_type(module, name)
    except UnknownResourceType:
        return None  # a module no longer installed: its places are shown to no one


async def allowed(
    session: AsyncSession,
    registry: ModuleRegistry,
    commune_id: uuid.UUID,
    caller: ResourceCaller,
    rows: Iterable[Any],
) -> set[uuid.UUID]:
    """The index ids among ``rows`` (``id``, ``module``, ``resource_type``, ``resource_id``) whose module
    lets the caller see the resource: one ``visible`` call per resource type."""
    out: set[uuid.UUID] = set()
    for (module, name), group in _by_type(rows).items():
        rtype = _type(registry, module, name)
        if rtype is None:
            continue
        ok = await rtype.visible(session, commune_id, caller, {row.resource_id for row in group})
        out.update(row.id for row in group if row.resource_id in ok)
    return out


async def paths(
    session: AsyncSession, registry: ModuleRegistry, commune_id: uuid.UUID, rows: Iterable[Any]
) -> dict[uuid.UUID, str]:
    """resource id -> its API path, as its module serves it: one ``describe`` call per resource type."""
    out: dict[uuid.UUID, str] = {}
    for (module, name), group in _by_type(rows).items():
        rtype = _type(registry, module, name)
        if rtype is None:
            continue
        described = await rtype.describe(session, commune_id, {row.resource_id for row in group})
        out.update({rid: info.path for rid, info in described.items()})
    return out
