"""SQL of the districts: the commune's areas and boundary, and the places' districts recomputed in batches
(one read and one executemany per batch, whatever the number of places)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from civicapi.places.models import DISTRICT, Boundary, District, Place


async def areas(session: AsyncSession, commune_id: uuid.UUID) -> list[District]:
    """The commune's areas: districts first, then neighbourhoods, each by code."""
    stmt = (
        select(District)
        .where(District.commune_id == commune_id)
        .order_by(District.kind != DISTRICT, District.code)
    )
    return list((await session.execute(stmt)).scalars())


async def area(session: AsyncSession, commune_id: uuid.UUID, code: str) -> District | None:
    stmt = select(District).where(District.commune_id == commune_id, District.code == code)
    return (await session.execute(stmt)).scalar_one_or_none()


def add(session: AsyncSession, values: dict[str, Any]) -> District:
    row = District(**values)
    session.add(row)
    return row


async def remove(session: AsyncSession, commune_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> None:
    """Remove areas (their neighbourhoods first: no reliance on the foreign key's cascade)."""
    if not ids:
        return
    scoped = District.commune_id == commune_id
    await session.execute(delete(District).where(scoped, District.parent_id.in_(ids)))
    await session.execute(delete(District).where(scoped, District.id.in_(ids)))


async def boundary(session: AsyncSession, commune_id: uuid.UUID) -> Boundary | None:
    stmt = select(Boundary).where(Boundary.commune_id == commune_id)
    return (await session.execute(stmt)).scalar_one_or_none()


def add_boundary(session: AsyncSession, values: dict[str, Any]) -> Boundary:
    row = Boundary(**values)
    session.add(row)
    return row


async def remove_boundary(session: AsyncSession, commune_id: uuid.UUID) -> None:
    await session.execute(delete(Boundary).where(Boundary.commune_id == commune_id))


async def places_after(
    session: AsyncSession, commune_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> list[tuple[uuid.UUID, float, float, uuid.UUID | None, uuid.UUID | None]]:
    """A keyset page of the commune's places: id, longitude, latitude and their current areas."""
    stmt = select(Place.id, Place.longitude, Place.latitude, Place.district_id, Place.neighbourhood_id).where(
        Place.commune_id == commune_id
    )
    if after is not None:
        stmt = stmt.where(Place.id > after)
    rows = await session.execute(stmt.order_by(Place.id).limit(limit))
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


async def set_areas(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    """Set ``district_id``/``neighbourhood_id`` of places by id: one executemany for the whole batch."""
    if changes:
        await session.execute(update(Place), changes)


async def district_code_of(
    session: AsyncSession, commune_id: uuid.UUID, module: str, resource_type: str, resource_id: uuid.UUID
) -> str | None:
    """The code of the district the resource's point falls in (None: no place, or in no district)."""
    area_row = aliased(District)
    stmt = (
        select(area_row.code)
        .select_from(Place)
        .outerjoin(area_row, area_row.id == Place.district_id)
        .where(
            Place.commune_id == commune_id,
            Place.module == module,
            Place.resource_type == resource_type,
            Place.resource_id == resource_id,
        )
    )
    return (await session.execute(stmt)).scalar()


async def names_of(
    session: AsyncSession, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, dict[str, str]]]:
    """Area id -> (code, name)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(District.id, District.code, District.name).where(District.id.in_(ids))
    )
    return {r[0]: (r[1], r[2]) for r in rows}
