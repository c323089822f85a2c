"""Typed domain errors rendered as RFC 9457 problem documents (``application/problem+json``).

Every error kind has a stable ``type`` (``/problems/<slug>``) listed in :data:`PROBLEM_TYPES`, a human
``title``, a ``detail`` and optional machine-readable extras (``reason``, ``errors``, ...). No stack trace
ever reaches a client: unexpected exceptions become a bare 500 problem and are logged with the request id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from civicapi.core.routing import allowed_methods, route_path

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_TYPES: dict[str, str] = {}
"""slug -> description, served at ``/problems`` so front-ends can document every error they may meet."""


def problem_type(slug: str, description: str) -> str:
    PROBLEM_TYPES.setdefault(slug, description)
    return f"/problems/{slug}"


class FieldError(BaseModel):
    location: list[str | int] = Field(
        description="Path to the offending field, e.g. ['body', 'title', 'fr']."
    )
    message: str
    code: str = Field(description="Stable machine-readable error code, e.g. 'missing', 'string_too_long'.")


class Problem(BaseModel):
    """RFC 9457 problem document. Extra members (``reason``, ``remaining`` ...) depend on the type."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "type": "/problems/not-found",
                "title": "Not Found",
                "status": 404,
                "detail": "commune 'liege' not found",
                "instance": "/v1/communes/liege",
            }
        },
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Base of every error a client may see. Subclasses fix ``status``, ``slug`` and ``title``."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad Request"
    description: str = "The request cannot be processed as sent."

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        problem_type(cls.slug, cls.description)

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extras: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.headers = headers or {}
        self.extras = extras

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"/problems/{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
        }
        if instance:
            body["instance"] = instance
        body.update({k: v for k, v in self.extras.items() if v is not None})
        return body


problem_type("about:blank", "A plain HTTP error; the status code says it all.")


class BadRequest(ProblemError):
    pass


class InvalidInput(ProblemError):
    status = 422
    slug = "invalid-input"
    title = "Invalid input"
    description = "The body, path or query failed validation; `errors` lists every offending field."

    def __init__(
        self, detail: str | None = None, *, errors: Sequence[dict[str, Any]] | None = None, **kw: Any
    ):
        super().__init__(detail, errors=list(errors) if errors else None, **kw)


class Unauthorized(ProblemError):
    status = 401
    slug = "unauthorized"
    title = "Unauthorized"
    description = "No valid credentials: the token or key is missing, malformed, expired or revoked."

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **kw)


class Forbidden(ProblemError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"
    description = "Authenticated, but the caller lacks the permission; `permission` names the missing one."


class NotFound(ProblemError):
    status = 404
    slug = "not-found"
    title = "Not Found"
    description = "No such resource here: it does not exist, belongs to another commune, or is unpublished."


class ModuleNotEnabled(NotFound):
    slug = "module-not-enabled"
    title = "Module not enabled"
    description = "The commune has not enabled this module, so its routes do not exist for it."


class Conflict(ProblemError):
    status = 409
    slug = "conflict"
    title = "Conflict"
    description = "The request conflicts with the current state (a duplicate, a state that forbids it)."


class PreconditionFailed(ProblemError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition Failed"
    description = "The `If-Match` ETag is stale: someone changed the resource since you read it."


class PayloadTooLarge(ProblemError):
    status = 413
    slug = "payload-too-large"
    title = "Payload Too Large"
    description = "The request body is larger than the deployment accepts."


class RateLimited(ProblemError):
    status = 429
    slug = "rate-limited"
    title = "Too Many Requests"
    description = "Slow down: `Retry-After` says when to try again."


class ServiceUnavailable(ProblemError):
    status = 503
    slug = "unavailable"
    title = "Service Unavailable"
    description = "A dependency (the database) is not reachable; retry later."


problem_type("internal-error", "An unexpected error; it is logged with the request id, never detailed here.")


def _instance(request: Request) -> str:
    return request.url.path


def problem_response(
    request: Request, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = [p for p in err.get("loc", ()) if isinstance(p, str | int)]
        errors.append({"location": loc, "message": str(err.get("msg", "")), "code": str(err.get("type", ""))})
    return errors


async def _handle_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc.to_problem(_instance(request)), exc.headers)


async def _handle_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    body_errors = [e for e in errors if e["code"] == "json_invalid"]
    detail = "the body is not valid JSON" if body_errors else f"{len(errors)} field(s) failed validation"
    err = InvalidInput(detail, errors=errors)
    return problem_response(request, err.to_problem(_instance(request)))


_BODY_PARSE_ERROR = "There was an error parsing the body"  # FastAPI's words for a body json.loads chokes on


def _unparseable_body(exc: StarletteHTTPException) -> InvalidInput | None:
    """FastAPI answers a bare 400 to a JSON body that is not UTF-8 or nests too deeply (anything but a
    ``JSONDecodeError``): it is invalid input like any other malformed body, so a declared 422."""
    if exc.status_code != 400 or exc.detail != _BODY_PARSE_ERROR or exc.__cause__ is None:
        return None
    cause = exc.__cause__
    if isinstance(cause, UnicodeError):
        why = "it is not UTF-8 text"
    elif isinstance(cause, RecursionError):
        why = "it nests too deeply"
    else:
        why = "it is not valid JSON"
    message = f"the body cannot be read as JSON: {why}"
    return InvalidInput(message, errors=[{"location": ["body"], "message": message, "code": "json_invalid"}])


async def _handle_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    unparseable = _unparseable_body(exc)
    if unparseable is not None:
        return problem_response(request, unparseable.to_problem(_instance(request)))
    status = exc.status_code
    headers = dict(exc.headers or {})
    if status == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app, route_path(request.scope))) or headers.get(
            "Allow", ""
        )
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    slug = {404: "not-found", 401: "unauthorized", 403: "forbidden", 413: "payload-too-large"}.get(status)
    body = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": exc.detail if isinstance(exc.detail, str) else title,
        "instance": _instance(request),
    }
    return problem_response(request, body, headers)


UNIQUE_REASONS: dict[str, tuple[str, str]] = {}
"""Unique constraint name -> (``reason``, detail) of the 409 a violation becomes (see :func:`unique_reason`)."""

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ((?:\w+\.\w+(?:, )?)+)")


def unique_reason(constraint: str, reason: str, detail: str) -> None:
    """Give the 409 of a race on ``constraint`` (a unique constraint named by the metadata's convention,
    ``uq_<table>_<columns>``) the same ``reason`` as the check that catches the sequential case."""
    UNIQUE_REASONS[constraint] = (reason, detail)


def _violated_constraint(exc: IntegrityError) -> str | None:
    """The unique constraint an ``IntegrityError`` names: asyncpg gives it, SQLite gives its columns."""
    orig = exc.orig
    for candidate in (orig, getattr(orig, "__cause__", None)):
        name = getattr(candidate, "constraint_name", None)
        if isinstance(name, str):
            return name
    match = _SQLITE_UNIQUE.search(str(orig))
    if match is None:
        return None
    pairs = [p.split(".") for p in match.group(1).split(", ")]
    return f"uq_{pairs[0][0]}_" + "_".join(column for _, column in pairs)


async def _handle_integrity(request: Request, exc: Exception) -> JSONResponse:
    # A constraint caught what a concurrent request raced for: a duplicate or a vanished parent.
    log.info("integrity error turned into 409: %s", exc.__class__.__name__)
    known = UNIQUE_REASONS.get(_violated_constraint(exc) or "") if isinstance(exc, IntegrityError) else None
    if known is not None:
        reason, detail = known
        err = Conflict(detail, reason=reason)
    else:
        err = Conflict("the change conflicts with existing data (a duplicate or a concurrent change)")
    return problem_response(request, err.to_problem(_instance(request)))


async def _handle_operational(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", exc.__class__.__name__)
    err = ServiceUnavailable("the database is busy or unreachable; retry later")
    return problem_response(request, err.to_problem(_instance(request)), {"Retry-After": "1"})


async def _handle_database(request: Request, exc: Exception) -> JSONResponse:
    """A connection the server dropped (restart, idle kill) is a 503 to retry, like an unreachable database;
    any other driver error is unexpected."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return await _handle_operational(request, exc)
    return await _handle_unexpected(request, exc)


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    log.exception("unhandled error", extra={"request_id": request_id})
    body = {
        "type": "/problems/internal-error",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "an unexpected error occurred; quote the request id to the operators",
        "instance": _instance(request),
        "request_id": request_id,
    }
    return problem_response(request, body)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _handle_problem)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http)
    app.add_exception_handler(IntegrityError, _handle_integrity)
    app.add_exception_handler(OperationalError, _handle_operational)
    app.add_exception_handler(DBAPIError, _handle_database)
    app.add_exception_handler(Exception, _handle_unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entry declaring problem documents for the given statuses."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        out[status] = {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
