"""The commune's boundary (the outline every district must lie inside) and "which district is this
point in". Without a boundary set, districts are checked against nothing but each other, and the outline
the API answers is the union of the districts."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import mapping, shape
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.core import audit
from civicapi.core.errors import NotFound
from civicapi.places import repository_districts as repo
from civicapi.places.exceptions_districts import DistrictsInvalid
from civicapi.places.models import DISTRICT, Boundary
from civicapi.places.rules_districts import Candidate, area_shape, bbox, inside, problem
from civicapi.places.schemas_districts import AreaRef, BoundaryBody, BoundaryRead, LocateRead
from civicapi.places.service_index import locate

_TRAIL = audit.ModuleTrail("places")


async def set_boundary(session: AsyncSession, commune: Commune, body: BoundaryBody) -> Boundary:
    """Set (or replace) the boundary; every stored area must lie inside it (422 listing those outside)."""
    errors: list[dict[str, Any]] = []
    outline = area_shape(Candidate(0, "boundary", DISTRICT, None, body.geometry), errors)
    if outline is not None:
        for area in await repo.areas(session, commune.id):
            if not inside(outline, shape(area.geometry)):
                detail = f"the stored area {area.code!r} would be outside the boundary"
                errors.append(problem(None, area.code, "outside_boundary", detail))
    if errors or outline is None:
        raise DistrictsInvalid(errors)
    west, south, east, north = bbox(outline)
    values = {
        "geometry": dict(body.geometry),
        "min_lon": west,
        "min_lat": south,
        "max_lon": east,
        "max_lat": north,
    }
    row = await repo.boundary(session, commune.id)
    before = None if row is None else dict(row.geometry)
    if row is None:
        row = repo.add_boundary(session, {"commune_id": commune.id, **values})
    else:
        for field, value in values.items():
            setattr(row, field, value)
    await session.flush()
    changes = {"geometry": [before, row.geometry]}
    _TRAIL.record(session, commune_id=commune.id, kind="boundary", id=row.id, verb="replace", changes=changes)
    return row


async def boundary_read(session: AsyncSession, commune: Commune) -> BoundaryRead:
    """The boundary set, else the union of the districts; 404 when there is neither."""
    row = await repo.boundary(session, commune.id)
    if row is not None:
        box = [row.min_lon, row.min_lat, row.max_lon, row.max_lat]
        return BoundaryRead(bbox=box, geometry=row.geometry, properties={"source": "boundary"})
    districts = [shape(a.geometry) for a in await repo.areas(session, commune.id) if a.kind == DISTRICT]
    if not districts:
        raise NotFound("this commune has neither a boundary nor districts")
    union = shapely.union_all(districts)
    return BoundaryRead(bbox=list(bbox(union)), geometry=mapping(union), properties={"source": "districts"})


async def delete_boundary(session: AsyncSession, commune: Commune) -> None:
    row = await repo.boundary(session, commune.id)
    if row is None:
        raise NotFound("this commune has no boundary set")
    changes = {"geometry": [row.geometry, None]}
    _TRAIL.record(session, commune_id=commune.id, kind="boundary", id=row.id, verb="delete", changes=changes)
    await repo.remove_boundary(session, commune.id)


async def locate_point(
    session: AsyncSession, commune: Commune, latitude: float, longitude: float
) -> LocateRead:
    located = await locate(session, commune.id, longitude, latitude)
    ids = [i for i in (located.district_id, located.neighbourhood_id) if i is not None]
    names = await repo.names_of(session, ids)

    def ref(area_id: Any) -> AreaRef | None:
        if area_id is None:
            return None
        code, name = names[area_id]
        return AreaRef(code=code, name=name)

    return LocateRead(
        latitude=latitude,
        longitude=longitude,
        district=ref(located.district_id),
        neighbourhood=ref(located.neighbourhood_id),
    )
