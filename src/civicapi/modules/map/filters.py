"""What every map route filters on (query parameters), parsed and checked once: module, component,
resource type, status, category, district code, a date range on ``occurs_at`` and a bounding box."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Query

from civicapi.modules.map.exceptions import MapInvalid


@dataclass(frozen=True, slots=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    @property
    def key(self) -> str:
        return f"{self.west},{self.south},{self.east},{self.north}"


@dataclass(frozen=True, slots=True)
class MapFilters:
    module: str | None = None
    component_id: uuid.UUID | None = None
    resource_type: str | None = None
    status: str | None = None
    category: str | None = None
    district: str | None = None
    occurs_from: datetime | None = None
    occurs_to: datetime | None = None
    bbox: BBox | None = None

    @property
    def key(self) -> str:
        """The filters as one string (part of a tile's ETag)."""
        return "|".join(
            str(v)
            for v in (
                self.module,
                self.component_id,
                self.resource_type,
                self.status,
                self.category,
                self.district,
                self.occurs_from,
                self.occurs_to,
                self.bbox.key if self.bbox else None,
            )
        )


def _aware(value: datetime | None) -> datetime | None:
    """A date without an offset is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _bbox_problem(reason: str, message: str) -> MapInvalid:
    return MapInvalid(
        f"bbox: {message}",
        reason=reason,
        errors=[{"location": ["query", "bbox"], "message": message, "code": reason}],
    )


def parse_bbox(raw: str) -> BBox:
    """``west,south,east,north`` in degrees (WGS84); refused when malformed, out of range or inverted."""
    parts = raw.split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise _bbox_problem("bbox_malformed", "four numbers west,south,east,north") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise _bbox_problem("bbox_malformed", "four finite numbers west,south,east,north")
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise _bbox_problem("bbox_out_of_range", "longitudes in -180..180, latitudes in -90..90")
    if west > east or south > north:
        raise _bbox_problem("bbox_inverted", "west must not be east of east, nor south north of north")
    return BBox(west, south, east, north)


BBOX_DESCRIPTION = "Bounding box `west,south,east,north` in degrees (WGS84)."


async def map_filters(
    module: Annotated[str | None, Query(max_length=30, description="A module key.")] = None,
    component: Annotated[uuid.UUID | None, Query(description="A component id.")] = None,
    type_: Annotated[
        str | None, Query(alias="type", max_length=40, description="A resource type of the module.")
    ] = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
    district: Annotated[
        str | None, Query(max_length=60, description="A district's (or neighbourhood's) code.")
    ] = None,
    from_: Annotated[datetime | None, Query(alias="from", description="`occurs_at` on or after.")] = None,
    to: Annotated[datetime | None, Query(description="`occurs_at` on or before.")] = None,
    bbox: Annotated[str | None, Query(max_length=120, description=BBOX_DESCRIPTION)] = None,
) -> MapFilters:
    from_, to = _aware(from_), _aware(to)
    if from_ is not None and to is not None and from_ > to:
        raise MapInvalid(
            "from: after to",
            reason="dates_inverted",
            errors=[{"location": ["query", "from"], "message": "after `to`", "code": "dates_inverted"}],
        )
    return MapFilters(
        module=module,
        component_id=component,
        resource_type=type_,
        status=status,
        category=category,
        district=district,
        occurs_from=from_,
        occurs_to=to,
        bbox=parse_bbox(bbox) if bbox is not None else None,
    )


Filters = Annotated[MapFilters, Depends(map_filters)]
