"""Reading the places index in the modules' integration tests."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from civicapi.core.db.session import Database
from civicapi.places.models import District, Place

CENTRE = (5.55, 50.62, 5.60, 50.66)
OUTREMEUSE = (5.60, 50.62, 5.65, 50.66)
IN_CENTRE: dict[str, Any] = {"latitude": 50.64, "longitude": 5.57}
IN_OUTREMEUSE: dict[str, Any] = {"latitude": 50.63, "longitude": 5.62}


async def place(db: Database, module: str, resource_type: str, resource_id: object) -> dict[str, Any] | None:
    """The index row of a resource, with its district's code (``district``), or None."""
    async with db.unit_of_work() as session:
        row = (
            await session.execute(
                select(Place).where(
                    Place.module == module,
                    Place.resource_type == resource_type,
                    Place.resource_id == uuid.UUID(str(resource_id)),
                )
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        district = await session.get(District, row.district_id) if row.district_id else None
        return {
            "latitude": row.latitude,
            "longitude": row.longitude,
            "component_id": str(row.component_id) if row.component_id else None,
            "title": row.title,
            "address": row.address,
            "status": row.status,
            "category": row.category,
            "published": row.published,
            "occurs_at": row.occurs_at,
            "figures": row.figures,
            "district": district.code if district else None,
            "commune_id": row.commune_id,
        }
