"""Problem types of geocoding: the provider failed (502) or was too slow (504); never a 500, never a hang."""

from __future__ import annotations

from civicapi.core.errors import ProblemError


class GeocoderFailed(ProblemError):
    status = 502
    slug = "geocoder-failed"
    title = "Geocoder failed"
    description = (
        "The geocoding provider could not answer; `reason` says why: `unreachable` (no connection), "
        "`redirect` (it answered with a redirect, which is never followed), `bad_status` (an error status), "
        "`too_large` (its answer passed the size limit), `bad_answer` (not the JSON its API speaks)."
    )


class GeocoderTimeout(ProblemError):
    status = 504
    slug = "geocoder-timeout"
    title = "Geocoder timeout"
    description = (
        "The geocoding provider did not answer in time (`reason`: `timeout`), or the requests waiting for "
        "it would wait longer than that (`reason`: `busy`); retry later."
    )
