"""The commune's districts and neighbourhoods: uploaded as GeoJSON, checked all at once (``rules_districts``),
stored with their bounding boxes, and kept applied: after every change of shapes, every place of the
commune gets its district and neighbourhood recomputed in the same unit of work (services never commit).

For modules, :func:`district_code_of` answers the district of a resource (from the index), to check it
against a voter's verified district."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import numpy
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.core import audit
from civicapi.core.errors import NotFound
from civicapi.places import repository_districts as repo
from civicapi.places.exceptions_districts import DistrictConflict, DistrictsInvalid
from civicapi.places.models import DISTRICT, NEIGHBOURHOOD, District
from civicapi.places.rules_districts import Candidate, Verdict, bbox, candidates_of, check, problem
from civicapi.places.schemas_districts import (
    DistrictCollection,
    DistrictFeature,
    DistrictPropertiesRead,
    DistrictRead,
    DistrictUpdate,
)

MANAGE_PERMISSION = "commune.manage"
"""Districts are the commune's own geography, like its settings: its administrators draw them."""
BATCH = 500
"""Places recomputed per batch (one read, one executemany)."""
AUDITED = ("code", "name", "kind", "parent_id", "geometry")

_TRAIL = audit.ModuleTrail("places")


def _record(session: AsyncSession, area: District, verb: str, changes: Mapping[str, Any]) -> None:
    _TRAIL.record(
        session, commune_id=area.commune_id, kind="district", id=area.id, verb=verb, changes=changes
    )


# --- reads ------------------------------------------------------------------------------------------------


async def list_areas(session: AsyncSession, commune: Commune) -> list[District]:
    return await repo.areas(session, commune.id)


async def get_area(session: AsyncSession, commune: Commune, code: str) -> District:
    area = await repo.area(session, commune.id, code)
    if area is None:
        raise NotFound(f"no district {code!r} in this commune")
    return area


def parent_codes(areas: Sequence[District]) -> dict[uuid.UUID, str]:
    """Area id -> code, to name each area's parent."""
    return {a.id: a.code for a in areas}


# --- checks -----------------------------------------------------------------------------------------------


def _name(
    commune: Commune, name: str | dict[str, str], index: int | None, code: str
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    if isinstance(name, str):
        return {commune.default_locale: name}, []
    unknown = sorted(set(name) - set(commune.locales))
    errors = [
        problem(index, code, "unknown_locale", f"locale {locale!r} is not offered by this commune")
        for locale in unknown
    ]
    return dict(name), errors


def _stored(areas: Sequence[District], skip: set[str]) -> list[Candidate]:
    codes = parent_codes(areas)
    return [
        Candidate(None, a.code, a.kind, codes.get(a.parent_id) if a.parent_id else None, a.geometry)
        for a in areas
        if a.code not in skip
    ]


async def _boundary_shape(session: AsyncSession, commune_id: uuid.UUID) -> BaseGeometry | None:
    row = await repo.boundary(session, commune_id)
    return None if row is None else shape(row.geometry)


async def _checked(
    session: AsyncSession, commune_id: uuid.UUID, items: list[Candidate], errors: list[dict[str, Any]]
) -> Verdict:
    """The verdict on ``items``, or 422 listing every problem (``errors`` are those found before)."""
    verdict = check(items, boundary=await _boundary_shape(session, commune_id))
    problems = verdict.errors + errors
    if problems:
        raise DistrictsInvalid(sorted(problems, key=_order))
    return verdict


def _order(error: Mapping[str, Any]) -> tuple[int, str]:
    feature = error["feature"]
    return (-1 if feature is None else feature, error["reason"])


def _shape_values(geometry: Mapping[str, Any], verdict: Verdict, code: str) -> dict[str, Any]:
    west, south, east, north = bbox(verdict.shapes[code])
    return {"geometry": dict(geometry), "min_lon": west, "min_lat": south, "max_lon": east, "max_lat": north}


# --- writes -----------------------------------------------------------------------------------------------


async def replace_areas(
    session: AsyncSession, commune: Commune, body: DistrictCollection
) -> tuple[list[District], list[dict[str, Any]]]:
    """Replace the commune's areas with the upload (codes kept keep their ids); answers them and the
    overlaps found. All or nothing: 422 listing every problem."""
    items = candidates_of(body.features)
    names: dict[str, dict[str, str]] = {}
    errors: list[dict[str, Any]] = []
    for item, feature in zip(items, body.features, strict=True):
        names[item.code], found = _name(commune, feature.properties.name, item.index, item.code)
        errors.extend(found)
    verdict = await _checked(session, commune.id, items, errors)

    stored = await repo.areas(session, commune.id)
    before = {a.code: a for a in stored}
    old_snapshot = {a.code: audit.snapshot(a, AUDITED) for a in stored}
    for area in stored:  # no kept area hangs on a removed one while the removed ones go
        area.parent_id = None
    await session.flush()
    wanted = {item.code for item in items}
    await repo.remove(session, commune.id, [a.id for a in stored if a.code not in wanted])
    ids: dict[str, uuid.UUID] = {}
    for kind in (DISTRICT, NEIGHBOURHOOD):
        for item in (i for i in items if i.kind == kind):
            values = {
                "name": names[item.code],
                "kind": item.kind,
                "parent_id": ids[item.parent] if item.parent else None,
                **_shape_values(item.geometry, verdict, item.code),
            }
            known = before.get(item.code)
            if known is None:
                area = repo.add(session, {"commune_id": commune.id, "code": item.code, **values})
            else:
                area = known
                for field, value in values.items():
                    setattr(area, field, value)
            await session.flush()
            ids[item.code] = area.id
    changed = sorted(
        code
        for code in wanted & set(before)
        if audit.diff(old_snapshot[code], audit.snapshot(before[code], AUDITED))
    )
    _TRAIL.record(
        session,
        commune_id=commune.id,
        kind="district",
        id=commune.id,
        verb="replace",
        changes={
            "codes": [sorted(before), sorted(wanted)],
            "changed": [None, changed],
        },
    )
    await recompute_places(session, commune.id)
    return await repo.areas(session, commune.id), verdict.warnings


async def create_area(
    session: AsyncSession, commune: Commune, body: DistrictFeature
) -> tuple[District, list[dict[str, Any]]]:
    props = body.properties
    stored = await repo.areas(session, commune.id)
    if any(a.code == props.code for a in stored):
        raise DistrictConflict(f"the commune already has an area {props.code!r}", reason="code_taken")
    name, errors = _name(commune, props.name, 0, props.code)
    item = Candidate(0, props.code, props.kind, props.parent, body.geometry)
    verdict = await _checked(session, commune.id, [*_stored(stored, set()), item], errors)
    parent = next((a.id for a in stored if a.code == props.parent), None)
    area = repo.add(
        session,
        {
            "commune_id": commune.id,
            "code": props.code,
            "name": name,
            "kind": props.kind,
            "parent_id": parent,
            **_shape_values(body.geometry, verdict, props.code),
        },
    )
    await session.flush()
    _record(session, area, "create", audit.created(area, AUDITED))
    await recompute_places(session, commune.id)
    return area, verdict.warnings


async def update_area(
    session: AsyncSession, commune: Commune, area: District, body: DistrictUpdate
) -> tuple[District, list[dict[str, Any]]]:
    """Apply the fields sent; the whole set is checked again around the changed area."""
    sent = body.model_fields_set
    stored = await repo.areas(session, commune.id)
    codes = parent_codes(stored)
    kind = body.kind if "kind" in sent else area.kind
    parent = body.parent if "parent" in sent else (codes.get(area.parent_id) if area.parent_id else None)
    geometry = body.geometry if "geometry" in sent else area.geometry
    name, errors = _name(commune, body.name, 0, area.code) if "name" in sent else (area.name, [])
    if kind == NEIGHBOURHOOD and any(a.parent_id == area.id for a in stored):
        detail = "it has neighbourhoods, so it stays a district"
        errors.append(problem(0, area.code, "has_neighbourhoods", detail))
    item = Candidate(0, area.code, kind, parent, geometry)
    verdict = await _checked(session, commune.id, [*_stored(stored, {area.code}), item], errors)
    before = audit.snapshot(area, AUDITED)
    area.name = name
    area.kind = kind
    area.parent_id = next((a.id for a in stored if a.code == parent), None) if parent else None
    for field, value in _shape_values(geometry, verdict, area.code).items():
        setattr(area, field, value)
    await session.flush()
    changes = audit.diff(before, audit.snapshot(area, AUDITED))
    if changes:
        _record(session, area, "update", changes)
    if changes.keys() & {"kind", "parent_id", "geometry"}:
        await recompute_places(session, commune.id)
    return area, verdict.warnings


async def delete_area(session: AsyncSession, commune: Commune, area: District) -> None:
    """Remove the area, and its neighbourhoods with it."""
    stored = await repo.areas(session, commune.id)
    for gone in [a for a in stored if a.parent_id == area.id] + [area]:
        _record(session, gone, "delete", audit.deleted(gone, AUDITED))
    await repo.remove(session, commune.id, [area.id])
    await recompute_places(session, commune.id)


# --- applying the shapes to the places ---------------------------------------------------------------------


async def recompute_places(session: AsyncSession, commune_id: uuid.UUID, *, batch: int = BATCH) -> int:
    """Give every place of the commune the district and neighbourhood its point falls in now (a point on
    a shared border: the first by code, as ``service_index.locate``); answers how many places changed.
    Batches of ``batch`` places: one keyset read and one executemany each."""
    areas = await repo.areas(session, commune_id)
    shapes = [(a.id, a.kind, shape(a.geometry)) for a in areas]
    for _, _, geometry in shapes:
        shapely.prepare(geometry)
    changed, after = 0, None
    while True:
        page = await repo.places_after(session, commune_id, after, batch)
        if not page:
            return changed
        points = shapely.points([(lon, lat) for _, lon, lat, _, _ in page])
        found: dict[str, list[uuid.UUID | None]] = {
            kind: [None] * len(page) for kind in (DISTRICT, NEIGHBOURHOOD)
        }
        for area_id, kind, geometry in shapes:
            target = found[kind]
            for i in numpy.flatnonzero(shapely.covers(geometry, points)):
                if target[i] is None:
                    target[i] = area_id
        updates = [
            {"id": pid, "district_id": found[DISTRICT][i], "neighbourhood_id": found[NEIGHBOURHOOD][i]}
            for i, (pid, _, _, district, neighbourhood) in enumerate(page)
            if (district, neighbourhood) != (found[DISTRICT][i], found[NEIGHBOURHOOD][i])
        ]
        await repo.set_areas(session, updates)
        changed += len(updates)
        after = page[-1][0]


# --- for modules ------------------------------------------------------------------------------------------


async def district_code_of(
    session: AsyncSession, commune_id: uuid.UUID, module: str, resource_type: str, resource_id: uuid.UUID
) -> str | None:
    """The code of the district the resource's point falls in, as the index holds it (kept current when
    the resource moves and when the districts change); None when the resource has no place or its point
    is in no district. Compare it with the voter's verified district to restrict participation."""
    return await repo.district_code_of(session, commune_id, module, resource_type, resource_id)


# --- answers ----------------------------------------------------------------------------------------------


def area_read(area: District, codes: Mapping[uuid.UUID, str]) -> DistrictRead:
    """The area as a GeoJSON Feature (``codes``: area id -> code, naming its parent)."""
    return DistrictRead(
        id=area.code,
        bbox=[area.min_lon, area.min_lat, area.max_lon, area.max_lat],
        geometry=area.geometry,
        properties=DistrictPropertiesRead(
            code=area.code,
            name=area.name,
            kind=area.kind,
            parent=codes.get(area.parent_id) if area.parent_id else None,
        ),
    )


def collection_read(areas: Sequence[District]) -> list[DistrictRead]:
    codes = parent_codes(areas)
    return [area_read(a, codes) for a in areas]


async def one_read(session: AsyncSession, area: District) -> DistrictRead:
    codes = await repo.names_of(session, [area.parent_id] if area.parent_id else [])
    return area_read(area, {i: code for i, (code, _) in codes.items()})
