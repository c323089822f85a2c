"""Bodies and answers of the districts' routes: GeoJSON (RFC 7946) Features and FeatureCollections whose
``properties`` say what the area is. Shapes are checked by ``rules_districts`` (all problems at once), not
here: the schema takes any GeoJSON geometry object."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from civicapi.core.i18n import MultilingualTitle
from civicapi.core.schemas import RequestModel, omittable, trimmed

AreaCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$"),
    Field(
        description="A stable short code (letters, digits, `_.-`), unique in the commune.",
        examples=["centre"],
    ),
]
AreaName = Annotated[
    str,
    trimmed(200),
    Field(description="A name in the commune's default locale."),
]
AreaKind = Literal["district", "neighbourhood"]
Geometry = Annotated[
    dict[str, Any],
    Field(
        description="A GeoJSON Polygon or MultiPolygon in WGS84 [longitude, latitude].",
        examples=[
            {
                "type": "Polygon",
                "coordinates": [[[5.55, 50.62], [5.6, 50.62], [5.6, 50.66], [5.55, 50.66], [5.55, 50.62]]],
            }
        ],
    ),
]


class DistrictProperties(RequestModel):
    code: AreaCode
    name: MultilingualTitle | AreaName = Field(
        description='Per locale (`{"fr": ..., "nl": ...}`), or one string for the default locale.'
    )
    kind: AreaKind = "district"
    parent: AreaCode | None = Field(
        default=None, description="For a neighbourhood: the code of the district it lies in."
    )


class DistrictFeature(RequestModel):
    """One area as a GeoJSON Feature."""

    type: Literal["Feature"]
    geometry: Geometry
    properties: DistrictProperties


class DistrictCollection(RequestModel):
    """The commune's whole set of districts and neighbourhoods, replacing the stored one."""

    type: Literal["FeatureCollection"]
    features: list[DistrictFeature] = Field(max_length=2_000)


class DistrictUpdate(RequestModel):
    """Only the fields sent change (the code does not: it is the area's name in URLs and verifications)."""

    name: MultilingualTitle | AreaName = omittable()
    kind: AreaKind = omittable()
    parent: AreaCode | None = None
    geometry: Geometry = omittable()


class BoundaryBody(RequestModel):
    """The commune's outline: every district must lie inside it."""

    type: Literal["Feature"]
    geometry: Geometry
    properties: dict[str, Any] | None = None


# --- answers ---------------------------------------------------------------------------------------------


class DistrictPropertiesRead(BaseModel):
    code: str
    name: dict[str, str]
    kind: AreaKind
    parent: str | None


class DistrictRead(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str = Field(description="The area's code.")
    bbox: list[float] = Field(description="[west, south, east, north]")
    geometry: dict[str, Any]
    properties: DistrictPropertiesRead


class DistrictCollectionRead(BaseModel):
    """A GeoJSON FeatureCollection of the commune's areas (districts first, then neighbourhoods, by code):
    whole, never paged, as the number of areas is capped."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[DistrictRead]


class DistrictsWritten(DistrictCollectionRead):
    """The areas now stored, and what is worth knowing but not refused."""

    warnings: list[dict[str, Any]] = Field(
        description="Overlapping areas of the same kind: `{reason: 'overlap', kind, codes: [a, b], share}` "
        "(share: the overlap's part of the smaller area)."
    )


class DistrictWritten(DistrictRead):
    warnings: list[dict[str, Any]]


class AreaRef(BaseModel):
    code: str
    name: dict[str, str]


class LocateRead(BaseModel):
    """The district and neighbourhood containing the point (a point on a shared border: the first by
    code), or null."""

    latitude: float
    longitude: float
    district: AreaRef | None
    neighbourhood: AreaRef | None


class BoundaryRead(BaseModel):
    type: Literal["Feature"] = "Feature"
    bbox: list[float]
    geometry: dict[str, Any]
    properties: dict[str, Any] = Field(
        description="`source`: `boundary` (set with PUT) or `districts` (none set: the union of the districts)."
    )
