"""Problem types of the districts (m1), each with a machine-readable ``reason``."""

from __future__ import annotations

from typing import Any

from civicapi.core.errors import Conflict, InvalidInput


class DistrictsInvalid(InvalidInput):
    slug = "places-districts-invalid"
    title = "Invalid districts"
    description = (
        "The districts break a rule; nothing was written. `reason` names the first broken rule and `errors` "
        "lists them all as field errors (`location`, `message`, `code`: the reason) with `feature` (the "
        "position in the upload, null for a stored area or the whole upload), `area` (its code), `reason` "
        "and `detail`: `not_a_polygon`, `bad_coordinates`, `bad_position`, "
        "`out_of_range` (not WGS84), `ring_too_short` (under 4 positions), `ring_not_closed`, "
        "`self_intersection` and `invalid_geometry` (`detail` is shapely's `explain_validity`), "
        "`too_many_vertices`, `too_many_features`, `duplicate_code`, `parent_required`, `parent_not_allowed`, "
        "`unknown_parent`, `parent_not_a_district`, `has_neighbourhoods` (a district with neighbourhoods "
        "cannot become one), `outside_parent` (a neighbourhood not inside its district, a few metres of "
        "tolerance), `outside_boundary` (not inside the commune's boundary), `unknown_locale`."
    )

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        first = errors[0]
        where = f"feature {first['feature']}" if first["feature"] is not None else "the districts"
        super().__init__(
            f"{where}: {first['detail']} ({len(errors)} problem(s))", reason=first["reason"], errors=errors
        )


class DistrictConflict(Conflict):
    slug = "places-district-conflict"
    title = "District code taken"
    description = "`reason`: `code_taken`: the commune already has an area with this code (PATCH it instead)."
