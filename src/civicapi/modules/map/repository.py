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
    literal_column,
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
    Place.mx,
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


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a caller's map reads in a commune: the modules the commune has enabled, and of their
    components those the caller may see (the kit's rule: component and process published, unless the
    caller previews). Read once per request (two small statements), so that the statements over the
    places need no join."""

    commune_id: uuid.UUID
    modules: tuple[str, ...]
    components: tuple[uuid.UUID, ...]
    sqlite: bool = False


async def load_scope(session: AsyncSession, commune_id: uuid.UUID, *, include_hidden: bool) -> Scope:
    enabled = select(CommuneModule.module_key).where(
        CommuneModule.commune_id == commune_id, CommuneModule.enabled.is_(True)
    )
    modules = tuple((await session.execute(enabled)).scalars())
    stmt = select(Component.id).where(Component.commune_id == commune_id, Component.module_key.in_(modules))
    if not include_hidden:
        stmt = stmt.join(ParticipatoryProcess, ParticipatoryProcess.id == Component.process_id).where(
            Component.published_at.is_not(None), ParticipatoryProcess.published_at.is_not(None)
        )
    components = tuple((await session.execute(stmt)).scalars())
    return Scope(commune_id, modules, components, sqlite=_dialect(session) == "sqlite")


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _no_index(column: Any, scope: Scope) -> Any:
    """On SQLite, ``+column``: a term its planner then uses no index for. Its planner, without statistics,
    prefers the unique index starting with (commune, module), which matches every place of the commune
    and reads them in random order (ten times a plain scan for 100,000 places). PostgreSQL's planner
    has statistics: the column as is."""
    if not scope.sqlite:
        return column
    return literal_column(f"+{column.table.name}.{column.name}", type_=column.type)


def _where(scope: Scope, filters: MapFilters, *, by_position: bool) -> list[ColumnElement[bool]]:
    commune_id = scope.commune_id
    # The index on (commune, mx, my) serves a bounding box, a tile and the pages (in mx order); to
    # aggregate a whole commune, a scan is cheapest.
    indexed = by_position or filters.bbox is not None
    commune = Place.commune_id if indexed else _no_index(Place.commune_id, scope)
    component = _no_index(Place.component_id, scope)
    where: list[ColumnElement[bool]] = [
        commune == commune_id,
        _no_index(Place.module, scope).in_(scope.modules),
        or_(component.in_(scope.components), component.is_(None)),
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
    columns: Sequence[Any], scope: Scope, filters: MapFilters, *, by_position: bool = False
) -> Select[Any]:
    """``columns`` of the commune's places that match ``filters``, in the caller's ``scope`` (places in no
    component: in an enabled module, and its module decides, see :func:`needs_asking`). ``by_position``:
    the statement reads a part of the map (a tile) or in the order of the map's columns (pages)."""
    return select(*columns).select_from(Place).where(*_where(scope, filters, by_position=by_position))


async def features_page(
    session: AsyncSession,
    scope: Scope,
    filters: MapFilters,
    *,
    after: tuple[float, uuid.UUID] | None,
    limit: int,
) -> list[Any]:
    """One keyset page of places from west to east (``mx``, then the index row's id: the order of the index
    on (commune, mx, my), which a page walks and leaves after ``limit + 1`` rows, to tell whether more
    follow, however many places the filters match)."""
    stmt = scoped(FEATURE_COLUMNS, scope, filters, by_position=True).outerjoin(
        District, District.id == Place.district_id
    )
    if after is not None:
        mx, place_id = after
        stmt = stmt.where(or_(Place.mx > mx, and_(Place.mx == mx, Place.id > place_id)))
    return list((await session.execute(stmt.order_by(Place.mx, Place.id).limit(limit + 1))).all())


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


async def to_ask(session: AsyncSession, scope: Scope, filters: MapFilters) -> list[Any]:
    """``(id, module, resource_type, resource_id)`` of the matching places whose module must be asked."""
    columns = (Place.id, Place.module, Place.resource_type, Place.resource_id)
    stmt = scoped(columns, scope, filters).where(needs_asking())
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
    if _dialect(session) == "postgresql":
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
    scope: Scope,
    filters: MapFilters,
    *,
    allowed: Collection[uuid.UUID],
    cells: int,
    tile: tuple[int, int, int] | None = None,
) -> list[Cell]:
    """The places seen, grouped by grid cell (``cells`` per side of the unit square), in SQL: per cell
    its count, centroid (mean longitude and latitude), bounding box and mean Mercator position; the
    place's id where the cell holds only one. ``tile``: only the places of tile ``(z, x, y)``."""
    # One integer key per cell (row-major), so the database sorts on one value.
    key = _cell(session, Place.my, cells) * cells + _cell(session, Place.mx, cells)
    # The id of a cell's only place: min() of the id itself on SQLite, of its text on PostgreSQL (which
    # has no min(uuid)).
    place_id = Place.id if scope.sqlite else cast(Place.id, String(36))
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
        case((func.count() == 1, func.min(place_id)), else_=None),
    )
    stmt = scoped(columns, scope, filters, by_position=tile is not None).where(seen(allowed))
    if tile is not None:
        z, x, y = tile
        side = 2.0**z
        stmt = stmt.where(
            Place.mx >= x / side, Place.mx < (x + 1) / side, Place.my >= y / side, Place.my < (y + 1) / side
        )
    rows = (await session.execute(stmt.group_by(key).order_by(key))).all()
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
