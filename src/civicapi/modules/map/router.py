"""The map module's routes, mounted at ``/v1/communes/{commune}/map`` (404 when the commune has not enabled
the module). HTTP only: parse, call a service, answer GeoJSON or a vector tile."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Path, Query, Request, Response

from civicapi.communes.dependencies import CallerDep, RegistryDep
from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS, mark_public
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import Cursor, set_link_header
from civicapi.core.routing import GuardedRouter
from civicapi.modules.map import service_districts, service_places, service_settings, service_tiles
from civicapi.modules.map.filters import Filters
from civicapi.modules.map.schemas import (
    ClustersCollection,
    DistrictsCollection,
    GeoJSONResponse,
    PlacesCollection,
)
from civicapi.modules.map.service_places import MapReader
from civicapi.modules.map.settings import MapSettingsRead
from civicapi.modules.map.tiles import MAX_ZOOM, MEDIA_TYPE

MAX_FEATURES = 500
Zoom = Annotated[int, Query(ge=0, le=22, description="The map's zoom (0-22).")]

router = GuardedRouter()


def reader(session: Any, registry: Any, caller: Any) -> MapReader:
    return MapReader(session=session, registry=registry, commune_id=caller.commune.id, caller=caller)


@router.get(
    "/places",
    operation_id="map_places",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="The places the caller sees, as a GeoJSON FeatureCollection (keyset pages)",
    response_class=GeoJSONResponse,
    responses={200: {"model": PlacesCollection}, **problem_responses(404, 422)},
)
async def places(
    request: Request,
    response: Response,
    filters: Filters,
    session: SessionDep,
    registry: RegistryDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=MAX_FEATURES, description="Page size (1-500).")] = 100,
    cursor: Cursor = None,
) -> GeoJSONResponse:
    body = await service_places.places_page(
        reader(session, registry, caller), filters, limit=limit, cursor=cursor
    )
    answer = GeoJSONResponse(body, headers=dict(response.headers))
    set_link_header(request, answer, body["next_cursor"])
    return answer


@router.get(
    "/clusters",
    operation_id="map_clusters",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="The places the caller sees, grouped in a grid suited to the zoom (computed in SQL)",
    response_class=GeoJSONResponse,
    responses={200: {"model": ClustersCollection}, **problem_responses(404, 422)},
)
async def clusters(
    response: Response,
    filters: Filters,
    session: SessionDep,
    registry: RegistryDep,
    caller: CallerDep,
    zoom: Zoom,
) -> GeoJSONResponse:
    body = await service_places.clusters(reader(session, registry, caller), filters, zoom=zoom)
    return GeoJSONResponse(body, headers=dict(response.headers))


@router.get(
    "/districts",
    operation_id="map_districts",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="The districts as GeoJSON, with the figures of the places the caller sees in each",
    response_class=GeoJSONResponse,
    responses={200: {"model": DistrictsCollection}, **problem_responses(404, 422)},
)
async def districts(
    response: Response, filters: Filters, session: SessionDep, registry: RegistryDep, caller: CallerDep
) -> GeoJSONResponse:
    body = await service_districts.districts(reader(session, registry, caller), filters)
    return GeoJSONResponse(body, headers=dict(response.headers))


@router.get(
    "/settings",
    operation_id="map_settings",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="How front-ends draw the commune's map: tiles, attribution, centre, zoom, bounds",
    response_model=MapSettingsRead,
    responses=problem_responses(404),
)
async def settings(session: SessionDep, caller: CallerDep) -> MapSettingsRead:
    return await service_settings.map_settings(session, caller.commune)


@router.get(
    "/tiles/{z}/{x}/{y}.mvt",
    operation_id="map_tile",
    summary="A Mapbox Vector Tile: layers `places` (clustered in a 64 by 64 grid) and `districts`",
    response_class=Response,
    responses={
        200: {"content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
        204: {"description": "Nothing in this tile."},
        304: {"description": "The tile has not changed (`If-None-Match`)."},
        **problem_responses(404, 422),
    },
)
async def tile(
    request: Request,
    response: Response,
    session: SessionDep,
    registry: RegistryDep,
    caller: CallerDep,
    filters: Filters,
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM, description="Zoom (0-22).")],
    x: Annotated[int, Path(ge=0, description="Column, 0..2^z-1.")],
    y: Annotated[int, Path(ge=0, description="Row, 0..2^z-1.")],
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    place = service_tiles.check_tile(z, x, y)
    content = await service_tiles.tile_content(reader(session, registry, caller), filters, place)
    locale = caller.commune.default_locale
    etag = content.etag(filters, locale)
    mark_public(request, response)  # anonymous: public for a moment; signed in: private
    headers = {"cache-control": "private, max-age=0, must-revalidate", **response.headers, "etag": etag}
    if if_none_match is not None and etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    if content.empty:
        return Response(status_code=204, headers=headers)
    return Response(service_tiles.encode_tile(content, locale), headers=headers, media_type=MEDIA_TYPE)
