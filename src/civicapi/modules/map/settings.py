"""The map's per-commune settings (``settings_schema``: validated when the commune enables the module with
``PUT /v1/communes/{commune}/modules/map``) and what ``GET /map/settings`` answers front-ends."""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from civicapi.places.service_index import BOUNDARY_MARGIN_METRES

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors (https://www.openstreetmap.org/copyright)"
_PLACEHOLDERS = ("{z}", "{x}", "{y}")
_ALLOWED = re.compile(r"^https://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/{}?-]*)?$")

Longitude = Annotated[float, Field(ge=-180, le=180)]
Latitude = Annotated[float, Field(ge=-90, le=90)]


class Centre(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: Latitude
    longitude: Longitude


class MapSettings(BaseModel):
    """The map of one commune, as its front-ends draw it. Every field is optional: ``GET /map/settings``
    answers a default for what is not set."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "tile_url_template": "https://tiles.example.org/{z}/{x}/{y}.png",
                "attribution": "© OpenStreetMap contributors",
                "centre": {"latitude": 50.6326, "longitude": 5.5797},
                "zoom": 13,
                "bounds": [5.5, 50.58, 5.7, 50.7],
                "bounds_margin_metres": 2000,
            }
        },
    )

    tile_url_template: str | None = Field(
        default=None,
        max_length=500,
        description="An https URL of raster tiles with `{z}`, `{x}` and `{y}` (default: OpenStreetMap's).",
    )
    attribution: str | None = Field(default=None, max_length=500, description="Text shown with the tiles.")
    centre: Centre | None = Field(
        default=None, description="Where the map opens (default: the bounds' centre)."
    )
    zoom: int | None = Field(
        default=None, ge=0, le=22, description="The zoom it opens at (default: fit the bounds)."
    )
    bounds: list[float] | None = Field(
        default=None,
        min_length=4,
        max_length=4,
        description="`[west, south, east, north]` (WGS84) the map keeps to (default: the commune's boundary's box).",
    )
    bounds_margin_metres: int | None = Field(
        default=None, ge=0, le=100_000, description="How far past the bounds the map may pan (default 2000)."
    )

    @field_validator("tile_url_template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not _ALLOWED.match(value):
            raise ValueError("must be an https URL (no spaces, no user information)")
        missing = [p for p in _PLACEHOLDERS if p not in value]
        if missing:
            raise ValueError(f"must contain {', '.join(missing)}")
        return value

    @field_validator("bounds")
    @classmethod
    def _bounds(cls, value: list[float] | None) -> list[float] | None:
        if value is None:
            return value
        west, south, east, north = value
        if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
            raise ValueError("out of range: longitudes within -180..180, latitudes within -90..90")
        if west >= east or south >= north:
            raise ValueError("inverted: west must be before east and south before north")
        return value

    @model_validator(mode="after")
    def _centre_inside(self) -> Self:
        if self.centre is not None and self.bounds is not None:
            west, south, east, north = self.bounds
            if not (west <= self.centre.longitude <= east and south <= self.centre.latitude <= north):
                raise ValueError("centre must lie inside bounds")
        return self


class MapSettingsRead(BaseModel):
    """The settings a front-end draws the map with: the commune's, else the defaults."""

    tile_url_template: str
    attribution: str
    centre: Centre | None = Field(
        description="Null when the commune has no bounds, boundary, district or place."
    )
    zoom: int | None
    bounds: list[float] | None = Field(description="`[west, south, east, north]`; null when nothing says.")
    bounds_margin_metres: int
    defaults: list[str] = Field(
        description="The fields answered by default (not set by the commune), e.g. `centre`, `bounds`."
    )
    bounds_source: str | None = Field(
        description="Where `bounds` come from: `settings`, `boundary` (the places boundary's box), "
        "`districts` (the districts' box), `places` (the places' extent), or null."
    )


DEFAULT_MARGIN = BOUNDARY_MARGIN_METRES
