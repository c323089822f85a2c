"""All SQL of the map module: it reads the places index (``places_place``, ``places_district``) of one
commune and never writes it. Every statement is scoped to the commune and to what the public may see of
the places' components (the kit's rule: module enabled by the commune, component and process published
unless the caller previews); the owning modules' own rule for unpublished places is applied by the service
through their resource types."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import CommuneModule
from civicapi.modules.map.filters import MapFilters
from civicapi.places.geometry import mercator
from civicapi.places.models import District, Place
from civicapi.spaces.models import Component, ParticipatoryProcess

FEATURE_COLUMNS = (
    Place.id,
    Place.module,
    Place.resource_type,
    Place.resource_id,
    Place.component_id,
    Place.title,
    Place.latitude,
    Place.longitude,
    Place.status,
    Place.category,
    Place.published,
    District.code.label("district"),
)
"""What a feature shows (the district by code)."""


def needs_asking() -> ColumnElement[bool]:
    """Places whose module must say who sees them: unpublished ones, and those in no component."""
    return or_(Place.published.is_(False), Place.component_id.is_(None))


def _where(commune_id: uuid.UUID, filters: MapFilters, *, include_hidden: bool) -> list[ColumnElement[bool]]:
    component_seen: ColumnElement[bool] = Component.module_key == Place.module
    if not include_hidden:
        component_seen = and_(
            component_seen,
            Component.published_at.is_not(None),
            ParticipatoryProcess.published_at.is_not(None),
        )
    where: list[ColumnElement[bool]] = [
        Place.commune_id == commune_id,
        or_(Place.component_id.is_(None), component_seen),
    ]
    for column, value in (
        (Place.module, filters.module),
        (Place.component_id, filters.component_id),
        (Place.resource_type, filters.resource_type),
        (Place.status, filters.status),
        (Place.category, filters.category),
    ):
        if value is not None:
            where.append(column == value)
    if filters.district is not None:
        codes = select(District.id).where(
            District.commune_id == commune_id, District.code == filters.district
        )
        where.append(or_(Place.district_id.in_(codes), Place.neighbourhood_id.in_(codes)))
    if filters.occurs_from is not None:
        where.append(Place.occurs_at >= filters.occurs_from)
    if filters.occurs_to is not None:
        where.append(Place.occurs_at <= filters.occurs_to)
    if filters.bbox is not None:
        box = filters.bbox
        (west, north), (east, south) = mercator(box.west, box.north), mercator(box.east, box.south)
        where += [Place.mx >= west, Place.mx <= east, Place.my >= north, Place.my <= south]
    return where


def scoped(
    columns: Sequence[Any], commune_id: uuid.UUID, filters: MapFilters, *, include_hidden: bool
) -> Select[Any]:
    """``columns`` of the commune's places that match ``filters``, in modules the commune has enabled and
    components the caller may see (places in no component: the module decides, see :func:`needs_asking`)."""
    return (
        select(*columns)
        .select_from(Place)
        .join(
            CommuneModule,
            and_(
                CommuneModule.commune_id == Place.commune_id,
                CommuneModule.module_key == Place.module,
                CommuneModule.enabled.is_(True),
            ),
        )
        .outerjoin(Component, Component.id == Place.component_id)
        .outerjoin(ParticipatoryProcess, ParticipatoryProcess.id == Component.process_id)
        .outerjoin(District, District.id == Place.district_id)
        .where(*_where(commune_id, filters, include_hidden=include_hidden))
    )


async def features_page(
    session: AsyncSession,
    commune_id: uuid.UUID,
    filters: MapFilters,
    *,
    include_hidden: bool,
    after: uuid.UUID | None,
    limit: int,
) -> list[Any]:
    """One keyset page (by the index row's id) of places, ``limit + 1`` rows to tell whether more follow."""
    stmt = scoped(FEATURE_COLUMNS, commune_id, filters, include_hidden=include_hidden)
    if after is not None:
        stmt = stmt.where(Place.id > after)
    return list((await session.execute(stmt.order_by(Place.id).limit(limit + 1))).all())


async def features_by_id(session: AsyncSession, ids: Collection[uuid.UUID]) -> list[Any]:
    if not ids:
        return []
    stmt = (
        select(*FEATURE_COLUMNS)
        .select_from(Place)
        .outerjoin(District, District.id == Place.district_id)
        .where(Place.id.in_(list(ids)))
        .order_by(Place.id)
    )
    return list((await session.execute(stmt)).all())


async def to_ask(
    session: AsyncSession, commune_id: uuid.UUID, filters: MapFilters, *, include_hidden: bool
) -> list[Any]:
    """``(id, module, resource_type, resource_id)`` of the matching places whose module must be asked."""
    columns = (Place.id, Place.module, Place.resource_type, Place.resource_id)
    stmt = scoped(columns, commune_id, filters, include_hidden=include_hidden).where(needs_asking())
    return list((await session.execute(stmt)).all())


def seen(allowed: Collection[uuid.UUID]) -> ColumnElement[bool]:
    """The places a caller sees among the scoped ones: those the component's rule shows, and ``allowed``
    (index ids the owning modules let the caller see)."""
    clause: ColumnElement[bool] = ~needs_asking()
    return or_(clause, Place.id.in_(list(allowed))) if allowed else clause


def _cell(session: AsyncSession, column: Any, cells: int) -> ColumnElement[Any]:
    """The grid cell of a Web Mercator coordinate in the unit square (``floor(column * cells)``). SQLite
    has no ``floor`` in every build; its integer cast truncates, which is the floor of a non-negative
    value. PostgreSQL's cast rounds: there, ``floor``."""
    scaled = column * cells
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(scaled), BigInteger)
    return cast(scaled, BigInteger)


@dataclass(frozen=True, slots=True)
class Cell:
    count: int
    longitude: float
    latitude: float
    west: float
    south: float
    east: float
    north: float
    mx: float
    my: float
    place_id: uuid.UUID | None
    """The place, when the cell holds one."""


async def grid(
    session: AsyncSession,
    commune_id: uuid.UUID,
    filters: MapFilters,
    *,
    include_hidden: bool,
    allowed: Collection[uuid.UUID],
    cells: int,
    tile: tuple[int, int, int] | None = None,
) -> list[Cell]:
    """The places seen, grouped by grid cell (``cells`` per side of the unit square), in SQL: per cell
    its count, centroid (mean longitude and latitude), bounding box and mean Mercator position; the
    place's id where the cell holds only one. ``tile``: only the places of tile ``(z, x, y)``."""
    cx, cy = _cell(session, Place.mx, cells), _cell(session, Place.my, cells)
    columns = (
        func.count().label("n"),
        func.avg(Place.longitude),
        func.avg(Place.latitude),
        func.min(Place.longitude),
        func.min(Place.latitude),
        func.max(Place.longitude),
        func.max(Place.latitude),
        func.avg(Place.mx),
        func.avg(Place.my),
        case((func.count() == 1, func.min(cast(Place.id, String(36)))), else_=None),
    )
    stmt = scoped(columns, commune_id, filters, include_hidden=include_hidden).where(seen(allowed))
    if tile is not None:
        z, x, y = tile
        side = 2.0**z
        stmt = stmt.where(
            Place.mx >= x / side, Place.mx < (x + 1) / side, Place.my >= y / side, Place.my < (y + 1) / side
        )
    rows = (await session.execute(stmt.group_by(cx, cy).order_by(cx, cy))).all()
    return [
        Cell(
            count=row[0],
            longitude=row[1],
            latitude=row[2],
            west=row[3],
            south=row[4],
            east=row[5],
            north=row[6],
            mx=row[7],
            my=row[8],
            place_id=uuid.UUID(str(row[9])) if row[9] is not None else None,
        )
        for row in rows
    ]
