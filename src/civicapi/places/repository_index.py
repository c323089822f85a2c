"""SQL of the places index: writing a resource's place, removing it, and the districts whose bounding box
holds a point (the shapes are then checked in Python by ``geometry``)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.places.models import District, Place


async def districts_around(
    session: AsyncSession, commune_id: uuid.UUID, longitude: float, latitude: float
) -> list[District]:
    """The commune's districts and neighbourhoods whose bounding box holds the point."""
    stmt = select(District).where(
        District.commune_id == commune_id,
        District.min_lon <= longitude,
        District.max_lon >= longitude,
        District.min_lat <= latitude,
        District.max_lat >= latitude,
    )
    return list((await session.execute(stmt.order_by(District.code))).scalars())


async def find(
    session: AsyncSession, commune_id: uuid.UUID, module: str, resource_type: str, resource_id: uuid.UUID
) -> Place | None:
    stmt = select(Place).where(
        Place.commune_id == commune_id,
        Place.module == module,
        Place.resource_type == resource_type,
        Place.resource_id == resource_id,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def change(session: AsyncSession, place_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(update(Place).where(Place.id == place_id).values(**values))


def add(session: AsyncSession, values: dict[str, Any]) -> None:
    session.add(Place(**values))


async def remove(
    session: AsyncSession,
    commune_id: uuid.UUID,
    module: str,
    resource_type: str,
    resource_ids: list[uuid.UUID],
) -> None:
    await session.execute(
        delete(Place).where(
            Place.commune_id == commune_id,
            Place.module == module,
            Place.resource_type == resource_type,
            Place.resource_id.in_(resource_ids),
        )
    )
