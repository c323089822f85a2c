"""HTTP only: the commune's districts (GeoJSON), its boundary, and "which district is this point in"."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Response, status

from civicapi.communes.dependencies import Caller, CurrentCommune, require
from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.etag import check_if_match, etag_for
from civicapi.core.routing import GuardedRouter
from civicapi.core.uploads import IMPORT_BODY_EXTRA
from civicapi.places import service_boundary, service_districts
from civicapi.places.models import District
from civicapi.places.schemas_districts import (
    BoundaryBody,
    BoundaryRead,
    DistrictCollection,
    DistrictCollectionRead,
    DistrictFeature,
    DistrictRead,
    DistrictsWritten,
    DistrictUpdate,
    DistrictWritten,
    LocateRead,
)

router = GuardedRouter(tags=["places"])

PLACES = "/v1/communes/{commune}/places"
DISTRICTS = PLACES + "/districts"
DISTRICT = DISTRICTS + "/{district_code}"
BOUNDARY = PLACES + "/boundary"

ManageDistricts = Annotated[Caller, Depends(require(service_districts.MANAGE_PERMISSION))]
"""The caller, holding ``commune.manage`` (the commune's administrators) in the current commune."""
DistrictCode = Annotated[str, Path(description="The area's code.", max_length=60)]
IfMatch = Annotated[str | None, Header(description="ETag from a previous read; a stale one gets 412.")]


async def valid_district(
    district_code: DistrictCode, commune: CurrentCommune, session: SessionDep
) -> District:
    """An area of the current commune; else 404."""
    return await service_districts.get_area(session, commune, district_code)


CurrentDistrict = Annotated[District, Depends(valid_district)]


def _located(response: Response, area: District, commune_slug: str) -> None:
    response.headers["ETag"] = etag_for(area.id, area.updated_at)
    response.headers["Content-Location"] = f"/v1/communes/{commune_slug}/places/districts/{area.code}"


@router.get(
    DISTRICTS,
    operation_id="places_districts_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="The commune's districts and neighbourhoods (a GeoJSON FeatureCollection)",
    responses=problem_responses(404),
)
async def list_districts(commune: CurrentCommune, session: SessionDep) -> DistrictCollectionRead:
    areas = await service_districts.list_areas(session, commune)
    return DistrictCollectionRead(features=service_districts.collection_read(areas))


@router.put(
    DISTRICTS,
    operation_id="places_districts_replace",
    openapi_extra=IMPORT_BODY_EXTRA,  # shapes: up to CIVICAPI_MAX_IMPORT_BYTES
    summary="Replace the commune's districts and neighbourhoods with a GeoJSON FeatureCollection",
    responses=problem_responses(401, 403, 404, 422),
)
async def replace_districts(
    body: DistrictCollection, caller: ManageDistricts, session: SessionDep
) -> DistrictsWritten:
    areas, warnings = await service_districts.replace_areas(session, caller.commune, body)
    return DistrictsWritten(features=service_districts.collection_read(areas), warnings=warnings)


@router.post(
    DISTRICTS,
    operation_id="places_districts_create",
    openapi_extra=IMPORT_BODY_EXTRA,  # shapes: up to CIVICAPI_MAX_IMPORT_BYTES
    summary="Add one district or neighbourhood (a GeoJSON Feature)",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_district(
    body: DistrictFeature, caller: ManageDistricts, session: SessionDep, response: Response
) -> DistrictWritten:
    area, warnings = await service_districts.create_area(session, caller.commune, body)
    _located(response, area, caller.commune.slug)
    response.headers["Location"] = response.headers["Content-Location"]
    read = await service_districts.one_read(session, area)
    return DistrictWritten(**read.model_dump(), warnings=warnings)


@router.get(
    DISTRICT,
    operation_id="places_districts_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One district or neighbourhood (a GeoJSON Feature)",
    responses=problem_responses(404),
)
async def get_district(
    area: CurrentDistrict, commune: CurrentCommune, session: SessionDep, response: Response
) -> DistrictRead:
    _located(response, area, commune.slug)
    return await service_districts.one_read(session, area)


@router.patch(
    DISTRICT,
    operation_id="places_districts_update",
    openapi_extra=IMPORT_BODY_EXTRA,  # shapes: up to CIVICAPI_MAX_IMPORT_BYTES
    summary="Edit a district or neighbourhood (applies only the fields sent)",
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def update_district(
    body: DistrictUpdate,
    caller: ManageDistricts,
    area: CurrentDistrict,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> DistrictWritten:
    await check_if_match(session, area, if_match)
    area, warnings = await service_districts.update_area(session, caller.commune, area, body)
    _located(response, area, caller.commune.slug)
    read = await service_districts.one_read(session, area)
    return DistrictWritten(**read.model_dump(), warnings=warnings)


@router.delete(
    DISTRICT,
    operation_id="places_districts_delete",
    summary="Remove a district (with its neighbourhoods) or a neighbourhood",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def delete_district(caller: ManageDistricts, area: CurrentDistrict, session: SessionDep) -> None:
    await service_districts.delete_area(session, caller.commune, area)


@router.get(
    PLACES + "/locate",
    operation_id="places_locate",
    summary="The district and neighbourhood containing a point (null outside every area)",
    responses=problem_responses(404, 422),
)
async def locate(
    commune: CurrentCommune,
    session: SessionDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS84 latitude.")],
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS84 longitude.")],
) -> LocateRead:
    return await service_boundary.locate_point(session, commune, lat, lon)


@router.put(
    BOUNDARY,
    operation_id="places_boundary_set",
    openapi_extra=IMPORT_BODY_EXTRA,  # shapes: up to CIVICAPI_MAX_IMPORT_BYTES
    summary="Set the commune's boundary (every district must lie inside it)",
    responses=problem_responses(401, 403, 404, 422),
)
async def set_boundary(body: BoundaryBody, caller: ManageDistricts, session: SessionDep) -> BoundaryRead:
    await service_boundary.set_boundary(session, caller.commune, body)
    return await service_boundary.boundary_read(session, caller.commune)


@router.get(
    BOUNDARY,
    operation_id="places_boundary_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="The commune's boundary, or the union of its districts when none is set",
    responses=problem_responses(404),
)
async def get_boundary(commune: CurrentCommune, session: SessionDep) -> BoundaryRead:
    return await service_boundary.boundary_read(session, commune)


@router.delete(
    BOUNDARY,
    operation_id="places_boundary_delete",
    summary="Remove the commune's boundary",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
)
async def delete_boundary(caller: ManageDistricts, session: SessionDep) -> None:
    await service_boundary.delete_boundary(session, caller.commune)
