"""Writing the places index, for modules: a module calls :func:`put_place` when one of its resources is
created, moved, published, hidden or changes status, and :func:`remove_place` when it is deleted or loses
its point. Both run in the caller's unit of work (services never commit), so the index never disagrees
with the resource after a commit.

The districts a point falls in are computed here, on every write, from the commune's district shapes. A
point outside the commune's boundary (its bounding box widened by :data:`BOUNDARY_MARGIN_METRES`) is
refused here, the one place every module's point goes through (422 ``places-point-outside``)."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.places import repository_districts
from civicapi.places import repository_index as repo
from civicapi.places.exceptions_index import PointOutside
from civicapi.places.geometry import containing, mercator
from civicapi.places.models import DISTRICT, NEIGHBOURHOOD

BOUNDARY_MARGIN_METRES = 2000
"""How far outside the bounding box of the commune's boundary a point is still accepted."""
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True, slots=True)
class PlaceRef:
    """A resource of a module, as the index names it (its module's resource type, see the contract)."""

    commune_id: uuid.UUID
    module: str
    resource_type: str
    resource_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class PlaceFacts:
    """What a map shows and filters on, as the module knows it now."""

    latitude: float
    longitude: float
    component_id: uuid.UUID | None = None
    title: dict[str, str] = field(default_factory=dict)
    address: str | None = None
    status: str | None = None
    category: str | None = None
    published: bool = True
    occurs_at: datetime | None = None
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Located:
    """The districts a point falls in (their ids and codes; None outside every shape)."""

    district_id: uuid.UUID | None = None
    district: str | None = None
    neighbourhood_id: uuid.UUID | None = None
    neighbourhood: str | None = None


async def locate(session: AsyncSession, commune_id: uuid.UUID, longitude: float, latitude: float) -> Located:
    """The commune's district (and neighbourhood) containing the point: a bounding-box query, then the
    shapes (shapely). A point on a shared border goes to the first by code."""
    candidates = await repo.districts_around(session, commune_id, longitude, latitude)
    inside = containing(longitude, latitude, ((d, d.geometry) for d in candidates))
    district = next((d for d in inside if d.kind == DISTRICT), None)
    neighbourhood = next((d for d in inside if d.kind == NEIGHBOURHOOD), None)
    return Located(
        district_id=district.id if district else None,
        district=district.code if district else None,
        neighbourhood_id=neighbourhood.id if neighbourhood else None,
        neighbourhood=neighbourhood.code if neighbourhood else None,
    )


def widened(box: tuple[float, float, float, float], metres: float) -> tuple[float, float, float, float]:
    """The box ``(west, south, east, north)`` widened by ``metres`` on every side (a degree of longitude
    measured at the box's latitude farthest from the equator, so the margin is never narrower)."""
    west, south, east, north = box
    dlat = metres / METRES_PER_DEGREE
    widest = min(max(abs(south), abs(north)), 89.0)
    dlon = metres / (METRES_PER_DEGREE * math.cos(math.radians(widest)))
    return (
        max(west - dlon, -180.0),
        max(south - dlat, -90.0),
        min(east + dlon, 180.0),
        min(north + dlat, 90.0),
    )


async def check_inside(
    session: AsyncSession, commune_id: uuid.UUID, longitude: float, latitude: float
) -> None:
    """422 ``places-point-outside`` when the commune has a boundary and the point lies outside its bounding
    box plus :data:`BOUNDARY_MARGIN_METRES`; without a boundary every point is accepted."""
    boundary = await repository_districts.boundary(session, commune_id)
    if boundary is None:
        return
    box = (boundary.min_lon, boundary.min_lat, boundary.max_lon, boundary.max_lat)
    west, south, east, north = widened(box, BOUNDARY_MARGIN_METRES)
    if west <= longitude <= east and south <= latitude <= north:
        return
    raise PointOutside(
        f"the point ({latitude}, {longitude}) is more than {BOUNDARY_MARGIN_METRES} m outside the commune",
        reason="outside_commune",
        margin_metres=BOUNDARY_MARGIN_METRES,
        bounds=[west, south, east, north],
    )


async def put_place(
    session: AsyncSession, ref: PlaceRef, facts: PlaceFacts, *, bounded: bool = True
) -> Located:
    """Write (insert or update) the resource's place; answers the districts its point falls in, so the
    module may keep the district too. A point outside the commune (see :func:`check_inside`) is refused
    before anything is written; ``bounded=False`` (a rebuild of resources already stored) skips that check."""
    if bounded:
        await check_inside(session, ref.commune_id, facts.longitude, facts.latitude)
    located = await locate(session, ref.commune_id, facts.longitude, facts.latitude)
    mx, my = mercator(facts.longitude, facts.latitude)
    values: dict[str, Any] = {
        "component_id": facts.component_id,
        "title": dict(facts.title),
        "latitude": facts.latitude,
        "longitude": facts.longitude,
        "mx": mx,
        "my": my,
        "address": facts.address,
        "status": facts.status,
        "category": facts.category,
        "published": facts.published,
        "occurs_at": facts.occurs_at,
        "figures": dict(facts.figures),
        "district_id": located.district_id,
        "neighbourhood_id": located.neighbourhood_id,
    }
    existing = await repo.find(session, ref.commune_id, ref.module, ref.resource_type, ref.resource_id)
    if existing is None:
        repo.add(
            session,
            {
                "commune_id": ref.commune_id,
                "module": ref.module,
                "resource_type": ref.resource_type,
                "resource_id": ref.resource_id,
                **values,
            },
        )
        await session.flush()
    else:
        await repo.change(session, existing.id, values)
    return located


async def remove_place(session: AsyncSession, ref: PlaceRef) -> None:
    """The resource has no place any more (deleted, or its point removed)."""
    await repo.remove(session, ref.commune_id, ref.module, ref.resource_type, [ref.resource_id])
