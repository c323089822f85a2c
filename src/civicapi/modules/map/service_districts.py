"""The districts layer: the commune's districts and neighbourhoods as GeoJSON, each with the figures of the
places the caller sees in it (for choropleths): places per ``module.type``, supports and amounts summed,
the amounts of the selected places summed apart, selected places counted, mean progress."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from civicapi.modules.map import repository_districts as repo
from civicapi.modules.map.features import collection
from civicapi.modules.map.filters import MapFilters
from civicapi.modules.map.service_places import MapReader


def _empty() -> dict[str, Any]:
    return {
        "places": {},
        "supports": 0.0,
        "amount": 0.0,
        "amount_selected": 0.0,
        "selected": 0,
        "progress_sum": 0.0,
        "progress_n": 0,
    }


async def districts(reader: MapReader, filters: MapFilters) -> dict[str, Any]:
    """The districts whose bounding box meets ``filters.bbox`` (all without one), with the figures of the
    places matching the other filters."""
    allowed = await reader.allowed(filters)
    rows = await repo.figures(reader.session, await reader.scope(), filters, allowed=allowed)
    totals: dict[uuid.UUID, dict[str, Any]] = defaultdict(_empty)
    for row in rows:
        area = totals[row.area_id]
        area["places"][f"{row.module}.{row.resource_type}"] = row.n
        area["supports"] += float(row.supports)
        area["amount"] += float(row.amount)
        area["amount_selected"] += float(row.amount_selected)
        area["selected"] += int(row.selected)
        area["progress_sum"] += float(row.progress_sum or 0)
        area["progress_n"] += int(row.progress_n)
    features = []
    for district, parent_code in await repo.districts(reader.session, reader.commune_id, filters.bbox):
        area = totals.get(district.id, _empty())
        count = area.pop("progress_n")
        total = area.pop("progress_sum")
        features.append(
            {
                "type": "Feature",
                "id": district.code,
                "geometry": district.geometry,
                "bbox": [district.min_lon, district.min_lat, district.max_lon, district.max_lat],
                "properties": {
                    "code": district.code,
                    "name": district.name,
                    "kind": district.kind,
                    "parent": parent_code,
                    **area,
                    "progress": total / count if count else None,
                },
            }
        )
    return collection(features)
