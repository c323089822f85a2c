"""The rules a commune's districts obey, checked all at once (pure: no database). Every problem is listed
(``{feature, code, reason, detail}``), so that an upload is corrected in one round; overlaps between areas
of the same kind are not errors but warnings (``{reason: "overlap", codes, share}``).

Shapes are GeoJSON (RFC 7946, WGS84 longitude/latitude) ``Polygon`` or ``MultiPolygon``, checked with
shapely (a maintained geometry library): rings closed with at least four positions, valid
(``explain_validity`` says why not: a self-intersection, a hole outside its shell...), coordinates in
range, within the size caps; a neighbourhood lies inside its district and every area inside the commune's
boundary when one is set, both up to :data:`TOLERANCE_METRES`."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from civicapi.places.models import DISTRICT, NEIGHBOURHOOD

MAX_FEATURES = 500
"""Districts and neighbourhoods of one commune (an upload of more is refused)."""
MAX_VERTICES = 20_000
"""Positions of one shape."""
MAX_TOTAL_VERTICES = 200_000
"""Positions of all the shapes of one upload."""
TOLERANCE_METRES = 5.0
"""How far a neighbourhood may stick out of its district (or an area out of the commune's boundary):
shapes drawn by hand or simplified do not follow each other's borders exactly."""
OVERLAP_MIN_SHARE = 1e-4
"""Overlaps smaller than this share of the smaller area (slivers along a shared border) are not reported."""
METRES_PER_DEGREE = 111_320.0

POLYGONAL = ("Polygon", "MultiPolygon")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One area as uploaded (or as stored): its position in the upload (None for a stored one)."""

    index: int | None
    code: str
    kind: str
    parent: str | None
    geometry: Mapping[str, Any]


@dataclass(slots=True)
class Verdict:
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    shapes: dict[str, BaseGeometry]
    """The valid shapes by code (for bounding boxes)."""


def problem(index: int | None, area: str | None, reason: str, detail: str) -> dict[str, Any]:
    """One problem, as the house's field errors say it (``location``, ``message``, ``code``: the
    machine-readable reason) and with the district's own words: ``feature`` (the position in the upload;
    None for a stored area or the whole upload), ``area`` (its code), ``reason`` and ``detail``."""
    location: list[str | int] = ["body"] if index is None else ["body", "features", index]
    return {
        "location": location,
        "message": detail,
        "code": reason,
        "feature": index,
        "area": area,
        "reason": reason,
        "detail": detail,
    }


def _error(item: Candidate | None, reason: str, detail: str) -> dict[str, Any]:
    return problem(item.index if item else None, item.code if item else None, reason, detail)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _rings(geometry: Mapping[str, Any]) -> list[Any] | None:
    """The rings of a Polygon or MultiPolygon's coordinates, or None when they are not nested lists."""
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        return None
    polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    if not polygons or not all(isinstance(p, list) and p for p in polygons):
        return None
    rings = [ring for polygon in polygons for ring in polygon]
    return rings if all(isinstance(ring, list) for ring in rings) else None


def _ring_problems(item: Candidate, rings: list[Any]) -> list[dict[str, Any]]:
    problems = []
    vertices = 0
    for n, ring in enumerate(rings):
        if not all(isinstance(p, list) and 2 <= len(p) <= 3 and all(map(_is_number, p)) for p in ring):
            problems.append(
                _error(item, "bad_position", f"ring {n}: a position is not [longitude, latitude]")
            )
            continue
        vertices += len(ring)
        outside = [p for p in ring if not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90)]
        if outside:
            detail = f"ring {n}: {outside[0][:2]} is not a WGS84 [longitude, latitude]"
            problems.append(_error(item, "out_of_range", detail))
        if len(ring) < 4:
            problems.append(_error(item, "ring_too_short", f"ring {n} has {len(ring)} positions, 4 at least"))
        elif ring[0][:2] != ring[-1][:2]:
            problems.append(_error(item, "ring_not_closed", f"ring {n} does not end where it starts"))
    if vertices > MAX_VERTICES:
        problems.append(_error(item, "too_many_vertices", f"{vertices} positions, {MAX_VERTICES} at most"))
    return problems


def area_shape(item: Candidate, errors: list[dict[str, Any]]) -> BaseGeometry | None:
    """The shapely shape of a candidate, or None after listing why it is not a valid area."""
    kind = item.geometry.get("type")
    if kind not in POLYGONAL:
        errors.append(_error(item, "not_a_polygon", f"a {kind!r} geometry, not a Polygon or MultiPolygon"))
        return None
    rings = _rings(item.geometry)
    if rings is None:
        errors.append(_error(item, "bad_coordinates", f"the coordinates are not those of a {kind}"))
        return None
    problems = _ring_problems(item, rings)
    if problems:
        errors.extend(problems)
        return None
    geometry = shape(item.geometry)
    if geometry.is_empty or not geometry.is_valid:
        why = explain_validity(geometry) if not geometry.is_empty else "empty"
        reason = "self_intersection" if "Self-intersection" in why else "invalid_geometry"
        errors.append(_error(item, reason, why))
        return None
    return geometry


def tolerance_degrees(latitude: float) -> float:
    """:data:`TOLERANCE_METRES` in degrees at ``latitude`` (the larger, longitude's, of the two)."""
    return TOLERANCE_METRES / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))


def inside(outer: BaseGeometry, inner: BaseGeometry) -> bool:
    return bool(outer.buffer(tolerance_degrees(inner.centroid.y)).covers(inner))


def _kinds_and_parents(items: Sequence[Candidate], errors: list[dict[str, Any]]) -> None:
    kinds = {item.code: item.kind for item in items}
    for item in items:
        if item.index is None:
            continue
        if item.kind == DISTRICT and item.parent is not None:
            errors.append(_error(item, "parent_not_allowed", "a district is in no other area"))
        elif item.kind == NEIGHBOURHOOD and item.parent is None:
            errors.append(_error(item, "parent_required", "a neighbourhood names the district it is in"))
        elif item.kind == NEIGHBOURHOOD and item.parent not in kinds:
            errors.append(_error(item, "unknown_parent", f"no district {item.parent!r}"))
        elif item.kind == NEIGHBOURHOOD and kinds[str(item.parent)] != DISTRICT:
            errors.append(_error(item, "parent_not_a_district", f"{item.parent!r} is a neighbourhood"))


def _duplicates(items: Sequence[Candidate], errors: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for item in items:
        if item.code in seen and item.index is not None:
            errors.append(_error(item, "duplicate_code", f"the code {item.code!r} is given twice"))
        seen.add(item.code)


def overlaps(items: Sequence[Candidate], shapes: Mapping[str, BaseGeometry]) -> list[dict[str, Any]]:
    """The pairs of areas of the same kind that overlap (not only touch), at least one of them uploaded,
    with the overlap's share of the smaller one."""
    out = []
    for kind in (DISTRICT, NEIGHBOURHOOD):
        group = [item for item in items if item.kind == kind and item.code in shapes]
        if len(group) < 2:
            continue
        tree = shapely.STRtree([shapes[item.code] for item in group])
        for i, item in enumerate(group):
            for j in sorted(int(j) for j in tree.query(shapes[item.code]) if j > i):
                other = group[j]
                if item.index is None and other.index is None:
                    continue
                a, b = shapes[item.code], shapes[other.code]
                share = a.intersection(b).area / min(a.area, b.area)
                if share >= OVERLAP_MIN_SHARE:
                    codes = sorted((item.code, other.code))
                    out.append({"reason": "overlap", "kind": kind, "codes": codes, "share": round(share, 4)})
    return sorted(out, key=lambda w: (w["kind"], w["codes"]))


def check(items: Sequence[Candidate], *, boundary: BaseGeometry | None = None) -> Verdict:
    """Check the uploaded candidates (``index`` set) among the whole resulting set ``items`` (the stored
    areas that stay have ``index`` None: they are the context, not checked again except as parents)."""
    errors: list[dict[str, Any]] = []
    uploaded = [item for item in items if item.index is not None]
    if len(items) > MAX_FEATURES:
        errors.append(_error(None, "too_many_features", f"{len(items)} areas, {MAX_FEATURES} at most"))
    shapes: dict[str, BaseGeometry] = {}
    for item in items:
        if item.index is None:
            shapes[item.code] = shape(item.geometry)
        elif (geometry := area_shape(item, errors)) is not None:
            shapes.setdefault(item.code, geometry)  # a duplicate code is an error of its own
    total = sum(shapely.get_num_coordinates(shapes[i.code]) for i in uploaded if i.code in shapes)
    if total > MAX_TOTAL_VERTICES:
        errors.append(_error(None, "too_many_vertices", f"{total} positions, {MAX_TOTAL_VERTICES} at most"))
    _duplicates(items, errors)
    _kinds_and_parents(items, errors)
    by_code: dict[str, Candidate] = {}
    for item in items:
        by_code.setdefault(item.code, item)
    firsts = [item for item in items if by_code[item.code] is item]
    for item in firsts:
        geometry = shapes.get(item.code)
        if geometry is None:
            continue
        parent = shapes.get(item.parent) if item.kind == NEIGHBOURHOOD and item.parent else None
        checked = item.index is not None or (
            item.parent is not None and by_code[item.parent].index is not None
        )
        if checked and parent is not None and not inside(parent, geometry):
            detail = f"not inside its district {item.parent!r} (with {TOLERANCE_METRES:g} m of tolerance)"
            errors.append(_error(item, "outside_parent", detail))
        if item.index is not None and boundary is not None and not inside(boundary, geometry):
            errors.append(_error(item, "outside_boundary", "not inside the commune's boundary"))
    return Verdict(errors=errors, warnings=overlaps(firsts, shapes), shapes=shapes)


def bbox(geometry: BaseGeometry) -> tuple[float, float, float, float]:
    west, south, east, north = geometry.bounds
    return float(west), float(south), float(east), float(north)


def candidates_of(features: Iterable[Any]) -> list[Candidate]:
    """Uploaded features (``DistrictFeature``) as candidates, numbered in the order given."""
    return [
        Candidate(n, f.properties.code, f.properties.kind, f.properties.parent, f.geometry)
        for n, f in enumerate(features)
    ]
