"""GeoJSON (RFC 7946) of the map: a place as a Feature (its resource's id, a Point, what a map shows and
the resource's API path), a grid cell as a cluster Feature."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from civicapi.modules.map.repository import Cell


def place_feature(row: Any, urls: Mapping[uuid.UUID, str]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": str(row.resource_id),
        "geometry": {"type": "Point", "coordinates": [row.longitude, row.latitude]},
        "properties": {
            "module": row.module,
            "type": row.resource_type,
            "component": str(row.component_id) if row.component_id else None,
            "title": row.title,
            "status": row.status,
            "category": row.category,
            "district": row.district,
            "url": urls.get(row.resource_id),
        },
    }


def cluster_feature(cell: Cell) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [cell.longitude, cell.latitude]},
        "bbox": [cell.west, cell.south, cell.east, cell.north],
        "properties": {"cluster": True, "count": cell.count},
    }


def collection(features: list[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A FeatureCollection; ``members``: foreign members (``next_cursor``, ``zoom``)."""
    return {"type": "FeatureCollection", "features": features, **members}
