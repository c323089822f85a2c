"""SQL of rebuilding the places index: the ids a (module, resource type) has in a commune's index, and
removing those a rebuild did not find."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.places.models import Place


async def indexed_ids(
    session: AsyncSession, commune_id: uuid.UUID, module: str, resource_type: str
) -> set[uuid.UUID]:
    stmt = select(Place.resource_id).where(
        Place.commune_id == commune_id, Place.module == module, Place.resource_type == resource_type
    )
    return set((await session.execute(stmt)).scalars())


async def remove_ids(
    session: AsyncSession,
    commune_id: uuid.UUID,
    module: str,
    resource_type: str,
    resource_ids: Collection[uuid.UUID],
    *,
    chunk: int = 500,
) -> None:
    ids = list(resource_ids)
    for start in range(0, len(ids), chunk):
        await session.execute(
            delete(Place).where(
                Place.commune_id == commune_id,
                Place.module == module,
                Place.resource_type == resource_type,
                Place.resource_id.in_(ids[start : start + chunk]),
            )
        )


async def rows_with_point(
    session: AsyncSession, model: Any, commune_id: uuid.UUID, *, after: uuid.UUID | None, limit: int
) -> list[Any]:
    """A page (by id) of a module's rows in the commune that have a point: ``model`` has ``id``,
    ``commune_id``, ``latitude`` and ``longitude`` columns."""
    stmt = select(model).where(
        model.commune_id == commune_id, model.latitude.is_not(None), model.longitude.is_not(None)
    )
    if after is not None:
        stmt = stmt.where(model.id > after)
    return list((await session.execute(stmt.order_by(model.id).limit(limit))).scalars())


async def set_figures(session: AsyncSession, ref: Any, figures: dict[str, Any]) -> None:
    """Replace the figures of an indexed resource (nothing when it has no place)."""
    await session.execute(
        update(Place)
        .where(
            Place.commune_id == ref.commune_id,
            Place.module == ref.module,
            Place.resource_type == ref.resource_type,
            Place.resource_id == ref.resource_id,
        )
        .values(figures=figures)
    )
