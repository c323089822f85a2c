"""Pure geometry of the places capability (no database): the Web Mercator position of a point, and which
of some shapes contain a point (shapely, a maintained geometry library: never a hand-written
point-in-polygon)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from shapely.geometry import Point, shape
from shapely.prepared import prep

MAX_LATITUDE = 85.0511287798
"""Web Mercator's limit: the map is a square between these latitudes."""

K = TypeVar("K")


def mercator(longitude: float, latitude: float) -> tuple[float, float]:
    """The point's position in the Web Mercator unit square: x from 0 (180° W) to 1 (180° E), y from 0
    (north edge) to 1 (south edge). A tile ``(z, x, y)`` covers ``[x, x+1) / 2^z`` by ``[y, y+1) / 2^z``."""
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, latitude))
    x = (longitude + 180.0) / 360.0
    sin = math.sin(math.radians(lat))
    y = 0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)
    return min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)


def containing(longitude: float, latitude: float, shapes: Iterable[tuple[K, Mapping[str, Any]]]) -> list[K]:
    """The keys of the GeoJSON geometries (``(key, geometry)``) that contain the point or have it on their
    boundary, in the order given."""
    point = Point(longitude, latitude)
    return [key for key, geometry in shapes if prep(shape(geometry)).covers(point)]
