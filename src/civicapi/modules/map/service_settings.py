"""The map's settings as front-ends read them: the commune's own (``MapSettings``, stored when it enabled
the module), completed with defaults: OpenStreetMap's tiles and attribution, bounds from the places
capability's boundary (else the districts, else the places), the centre and a zoom that fits them."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.modules.map import repository_settings as repo
from civicapi.modules.map.settings import (
    DEFAULT_MARGIN,
    OSM_ATTRIBUTION,
    OSM_TILES,
    Centre,
    MapSettings,
    MapSettingsRead,
)
from civicapi.places.geometry import mercator

VIEWPORT_TILES = 2.0
"""The default zoom fits the bounds in a viewport of two 256-pixel tiles (512 pixels) each way."""
MAX_DEFAULT_ZOOM = 18


def stored_settings(commune: Commune) -> MapSettings:
    """The map's settings the commune stored (its ``modules`` loaded), parsed; defaults if none."""
    row = next((m for m in commune.modules if m.module_key == "map"), None)
    return MapSettings.model_validate(row.settings if row is not None else {})


def fitting_zoom(box: repo.Box) -> int:
    """The largest zoom (0-18) at which the box fits in the viewport."""
    west, south, east, north = box
    x0, y0 = mercator(west, north)
    x1, y1 = mercator(east, south)
    span = max(x1 - x0, y1 - y0)
    if span <= 0:
        return MAX_DEFAULT_ZOOM
    return max(0, min(MAX_DEFAULT_ZOOM, math.floor(math.log2(VIEWPORT_TILES / span))))


async def map_settings(session: AsyncSession, commune: Commune) -> MapSettingsRead:
    own = stored_settings(commune)
    defaults = [name for name, value in own.model_dump().items() if value is None]
    bounds: repo.Box | None = None
    source: str | None = None
    if own.bounds is not None:
        bounds, source = (own.bounds[0], own.bounds[1], own.bounds[2], own.bounds[3]), "settings"
    else:
        found = await repo.extent(session, commune.id)
        if found is not None:
            source, bounds = found
    centre: Any = own.centre
    if centre is None and bounds is not None:
        centre = Centre(latitude=(bounds[1] + bounds[3]) / 2, longitude=(bounds[0] + bounds[2]) / 2)
    zoom = own.zoom if own.zoom is not None else (fitting_zoom(bounds) if bounds is not None else None)
    return MapSettingsRead(
        tile_url_template=own.tile_url_template or OSM_TILES,
        attribution=own.attribution
        if own.attribution is not None
        else (OSM_ATTRIBUTION if own.tile_url_template is None else ""),
        centre=centre,
        zoom=zoom,
        bounds=list(bounds) if bounds is not None else None,
        bounds_margin_metres=own.bounds_margin_metres
        if own.bounds_margin_metres is not None
        else DEFAULT_MARGIN,
        defaults=defaults,
        bounds_source=source,
    )
