"""SQL of the districts layer: the commune's district shapes, and per district (or neighbourhood) the
figures of the places a caller sees, summed in SQL from the places' ``figures`` JSON on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from civicapi.modules.map.filters import BBox, MapFilters
from civicapi.modules.map.repository import Scope, scoped, seen
from civicapi.places.models import District, Place


async def districts(session: AsyncSession, commune_id: uuid.UUID, bbox: BBox | None = None) -> list[Any]:
    """The commune's districts and neighbourhoods (with their parent's code), by code; ``bbox``: those
    whose bounding box meets it."""
    parent = aliased(District)
    stmt = (
        select(District, parent.code.label("parent_code"))
        .outerjoin(parent, parent.id == District.parent_id)
        .where(District.commune_id == commune_id)
    )
    if bbox is not None:
        stmt = stmt.where(
            District.min_lon <= bbox.east,
            District.max_lon >= bbox.west,
            District.min_lat <= bbox.north,
            District.max_lat >= bbox.south,
        )
    return list((await session.execute(stmt.order_by(District.code))).all())


def _figure(name: str) -> Any:
    """A number of the places' ``figures`` (JSON extraction: ``json_extract`` on SQLite, ``->>`` and a
    cast on PostgreSQL; SQLAlchemy writes each)."""
    return Place.figures[name].as_float()


async def figures(
    session: AsyncSession, scope: Scope, filters: MapFilters, *, allowed: Collection[uuid.UUID]
) -> list[Any]:
    """Per area (district, then neighbourhood) and resource type, of the places seen: their count, the
    sums of ``supports`` and ``amount`` (and of the amounts of the ``selected``), how many are ``selected``,
    the sum and count of ``progress``."""
    progress = _figure("progress")
    is_selected = Place.figures["selected"].as_boolean().is_(True)
    measures = (
        Place.module,
        Place.resource_type,
        func.count().label("n"),
        func.coalesce(func.sum(_figure("supports")), 0.0).label("supports"),
        func.coalesce(func.sum(_figure("amount")), 0.0).label("amount"),
        func.coalesce(func.sum(case((is_selected, 1), else_=0)), 0).label("selected"),
        func.coalesce(func.sum(case((is_selected, _figure("amount")), else_=0.0)), 0.0).label(
            "amount_selected"
        ),
        func.sum(progress).label("progress_sum"),
        func.count(progress).label("progress_n"),
    )
    out: list[Any] = []
    for area in (Place.district_id, Place.neighbourhood_id):
        stmt = (
            scoped((area.label("area_id"), *measures), scope, filters)
            .where(seen(allowed), area.is_not(None))
            .group_by(area, Place.module, Place.resource_type)
        )
        out += (await session.execute(stmt)).all()
    return out
