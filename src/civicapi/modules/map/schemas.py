"""The map's answers as OpenAPI documents them (GeoJSON, RFC 7946). The routes answer these shapes as
``application/geo+json`` without validating them again."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


class Point(BaseModel):
    type: Literal["Point"] = "Point"
    coordinates: list[float] = Field(description="`[longitude, latitude]` (WGS84).")


class PlaceProperties(BaseModel):
    module: str
    type: str = Field(description="The resource type, in its module.")
    component: str | None
    title: dict[str, str]
    status: str | None
    category: str | None
    district: str | None = Field(description="The code of the district the point falls in.")
    url: str | None = Field(description="The resource's path in the API.")


class PlaceFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str = Field(description="The resource's id.")
    geometry: Point
    properties: PlaceProperties


class PlacesCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[PlaceFeature]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at the end.")


class ClusterProperties(BaseModel):
    cluster: Literal[True] = True
    count: int


class ClusterFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    geometry: Point = Field(description="The centroid (mean longitude and latitude) of its places.")
    bbox: list[float] = Field(description="`[west, south, east, north]` of its places.")
    properties: ClusterProperties


class ClustersCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[ClusterFeature | PlaceFeature] = Field(
        description="A cluster per grid cell; the place itself where a cell holds one."
    )
    zoom: int


class DistrictProperties(BaseModel):
    code: str
    name: dict[str, str]
    kind: str
    parent: str | None = Field(description="The code of the district a neighbourhood lies in.")
    places: dict[str, int] = Field(description="Visible places by `module.type`.")
    supports: float = Field(description="Sum of the places' `supports` figure.")
    amount: float = Field(description="Sum of the places' `amount` figure.")
    amount_selected: float = Field(
        description="Sum of the `amount` figure of the places whose `selected` figure is true (the amounts "
        "a vote selected)."
    )
    selected: int = Field(description="Places whose `selected` figure is true.")
    progress: float | None = Field(description="Mean of the places' `progress` figure (null without one).")


class DistrictFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any] = Field(description="A Polygon or MultiPolygon.")
    bbox: list[float]
    properties: DistrictProperties


class DistrictsCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[DistrictFeature]
