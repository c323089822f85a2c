"""Problem types of the map module. Each carries a machine-readable ``reason``."""

from __future__ import annotations

from civicapi.core.errors import InvalidInput


class MapInvalid(InvalidInput):
    slug = "map-invalid-query"
    title = "Invalid map query"
    description = (
        "The map query cannot be answered; `reason` says why: `bbox_malformed` (not four numbers "
        "`west,south,east,north`), `bbox_out_of_range` (longitude outside -180..180 or latitude outside "
        "-90..90), `bbox_inverted` (west after east or south after north), `tile_out_of_range` (x or y "
        "outside 0..2^z-1), `dates_inverted` (`from` after `to`)."
    )
