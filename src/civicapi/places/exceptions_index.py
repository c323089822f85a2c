"""Problem types of the places index's write path, each with a machine-readable ``reason``."""

from __future__ import annotations

from civicapi.core.errors import InvalidInput


class PointOutside(InvalidInput):
    slug = "places-point-outside"
    title = "Point outside the commune"
    description = (
        "The point lies outside the commune's boundary's bounding box widened by a margin; nothing was "
        "written. `reason`: `outside_commune`; `margin_metres` is the margin, `bounds` the accepted box "
        "`[west, south, east, north]` (degrees, WGS84)."
    )
