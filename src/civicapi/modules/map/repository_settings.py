"""SQL of the map's settings: the box the commune's geography covers, for default bounds."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.places.models import Boundary, District, Place

Box = tuple[float, float, float, float]


async def extent(session: AsyncSession, commune_id: uuid.UUID) -> tuple[str, Box] | None:
    """The commune's box and where it comes from: its boundary's, else its districts', else its places'
    extent (at most three small queries, each on an index of the commune); None without any."""
    boundary = select(Boundary.min_lon, Boundary.min_lat, Boundary.max_lon, Boundary.max_lat).where(
        Boundary.commune_id == commune_id
    )
    row = (await session.execute(boundary)).first()
    if row is not None:
        return "boundary", (row[0], row[1], row[2], row[3])
    for source, cols in (
        (
            "districts",
            (District.min_lon, District.min_lat, District.max_lon, District.max_lat, District.commune_id),
        ),
        ("places", (Place.longitude, Place.latitude, Place.longitude, Place.latitude, Place.commune_id)),
    ):
        west, south, east, north, commune = cols
        stmt = select(func.min(west), func.min(south), func.max(east), func.max(north)).where(
            commune == commune_id
        )
        found = (await session.execute(stmt)).first()
        if found is not None and found[0] is not None:
            return source, (found[0], found[1], found[2], found[3])
    return None
