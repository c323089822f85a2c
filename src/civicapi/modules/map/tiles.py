"""Mapbox Vector Tiles (pure: no database): a tile's bounds, the projection of points and district shapes
into its 4096-unit grid, and the encoding through ``mapbox_vector_tile`` (a maintained encoder)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mapbox_vector_tile
import numpy as np
from shapely import clip_by_rect, transform
from shapely.geometry import Point, shape

from civicapi.places.geometry import MAX_LATITUDE

EXTENT = 4096
BUFFER = 64
"""Shapes are clipped a little outside the tile, so that their edges do not show at tile borders."""
MAX_ZOOM = 22
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


@dataclass(frozen=True, slots=True)
class Tile:
    z: int
    x: int
    y: int

    @property
    def side(self) -> int:
        return 1 << self.z

    def bounds(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` in degrees."""

        def lat(row: int) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / self.side))))

        return (
            self.x / self.side * 360 - 180,
            lat(self.y + 1),
            (self.x + 1) / self.side * 360 - 180,
            lat(self.y),
        )

    def project(self, mx: float, my: float) -> tuple[float, float]:
        """A Web Mercator position of the unit square in the tile's grid (y down)."""
        return ((mx * self.side - self.x) * EXTENT, (my * self.side - self.y) * EXTENT)


def _lonlat_to_tile(tile: Tile, coords: Any) -> Any:
    lon, lat = coords[:, 0], np.clip(coords[:, 1], -MAX_LATITUDE, MAX_LATITUDE)
    mx = (lon + 180.0) / 360.0
    sin = np.sin(np.radians(lat))
    my = 0.5 - np.log((1 + sin) / (1 - sin)) / (4 * math.pi)
    return np.column_stack(((mx * tile.side - tile.x) * EXTENT, (my * tile.side - tile.y) * EXTENT))


def shape_in_tile(tile: Tile, geometry: Mapping[str, Any]) -> Any:
    """A GeoJSON (multi)polygon in the tile's grid, clipped to the tile and its buffer; None if nothing
    of it is left."""
    projected = transform(shape(geometry), lambda coords: _lonlat_to_tile(tile, coords))
    clipped = clip_by_rect(projected, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    return None if clipped.is_empty else clipped


def point(x: float, y: float) -> Point:
    return Point(x, y)


def properties(values: Mapping[str, Any]) -> dict[str, Any]:
    """Tile properties: no nulls (a vector tile has none)."""
    return {k: v for k, v in values.items() if v is not None}


def encode(layers: Sequence[tuple[str, list[dict[str, Any]]]]) -> bytes:
    """The tile of the non-empty ``layers`` (name, features with a geometry in the tile's grid and
    properties)."""
    data = [{"name": name, "features": features} for name, features in layers if features]
    tile: bytes = mapbox_vector_tile.encode(data, default_options={"y_coord_down": True, "extents": EXTENT})
    return tile


__all__ = ["MEDIA_TYPE", "Tile", "encode", "point", "properties", "shape_in_tile"]
