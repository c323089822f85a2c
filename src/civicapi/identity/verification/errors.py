"""Problem types of resident verification."""

from __future__ import annotations

from civicapi.core.errors import ProblemError


class VerificationFailed(ProblemError):
    status = 422
    slug = "verification-failed"
    title = "Verification failed"
    description = (
        "The data given does not verify the person; `reason` says why (`census_mismatch`: the identifier "
        "and birth date do not match the census, whichever of them is wrong)."
    )


class UnsupportedMediaType(ProblemError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported Media Type"
    description = "The body's `Content-Type` is not one the operation accepts (see `accepted`)."
