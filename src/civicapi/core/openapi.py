"""OpenAPI document: problem documents declared everywhere, FastAPI's 422 shape replaced by ours, and the
answers any operation may get from the middleware (503 busy or database unreachable; 413 body too large
and 408 body too slow where there is a body) declared on every operation, so a client knows to retry or
to shrink, and 401 on every operation that reads credentials (bad ones are refused even where anonymous
callers are served)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import iter_route_contexts

from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES, FieldError, Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_RETRY_AFTER = {
    "description": "Seconds to wait before retrying",
    "schema": {"type": "integer", "minimum": 1},
}
UNAVAILABLE = {
    "description": "Service unavailable: the server is busy with more requests than it takes on at once "
    "(admission control), or the database is unreachable. Nothing was done; retry after `Retry-After` "
    "seconds (same `Idempotency-Key` where the operation takes one).",
    "headers": {"Retry-After": _RETRY_AFTER},
    "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
}
UNAUTHORIZED = {
    "description": "The credentials sent (a bearer token or an API key) are malformed, expired, revoked or "
    "unknown. Operations that also serve anonymous callers answer this only when credentials were sent.",
    "headers": {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
}
TOO_LARGE = {
    "description": "Request body larger than the server accepts (`CIVICAPI_MAX_BODY_BYTES`, 1 MiB by "
    "default; `CIVICAPI_MAX_IMPORT_BYTES`, 32 MiB, for imports, also once decompressed); nothing was done",
    "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
}

TIMEOUT = {
    "description": "The request body did not arrive within `CIVICAPI_REQUEST_READ_TIMEOUT_SECONDS` (10 by "
    "default); nothing was done and the connection is closed",
    "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
}


def _calls(dependant: Dependant) -> Any:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def public_operations(app: FastAPI) -> set[str]:
    """Operations that serve anonymous callers the same public answer (``PUBLIC_WHEN_ANONYMOUS``)."""
    marker = PUBLIC_WHEN_ANONYMOUS.dependency
    found = set()
    for context in iter_route_contexts(app.routes):
        route = getattr(context, "_effective_route", None) or context.route
        dependant = getattr(route, "dependant", None)
        if dependant is not None and marker in set(_calls(dependant)):
            found.add(str(getattr(route, "operation_id", None) or getattr(route, "unique_id", "")))
    return found


def build_openapi(app: FastAPI, *, description: str) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for model in (FieldError, Problem):
        model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        model_schema.pop("$defs", None)
        components[model.__name__] = model_schema
    public = public_operations(app)
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if operation.get("operationId") in public and {} not in operation.get("security", [{}]):
                # Credentials are optional here: an empty requirement says anonymous callers are served.
                operation["security"] = [{}, *operation["security"]]
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"] = {
                    "description": "Invalid input: `errors` lists every offending field",
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
                }
            if "requestBody" in operation:
                responses.setdefault("408", {"$ref": "#/components/responses/RequestTimeout"})
                responses.setdefault("413", {"$ref": "#/components/responses/PayloadTooLarge"})
            if operation.get("security"):
                responses.setdefault("401", {"$ref": "#/components/responses/Unauthorized"})
            if "503" in responses:  # the operation says more of it (readiness): keep its words
                responses["503"] = {**UNAVAILABLE, **responses["503"], "headers": UNAVAILABLE["headers"]}
            else:
                responses["503"] = {"$ref": "#/components/responses/ServiceUnavailable"}
    schema["components"]["responses"] = {
        "ServiceUnavailable": UNAVAILABLE,
        "PayloadTooLarge": TOO_LARGE,
        "RequestTimeout": TIMEOUT,
        "Unauthorized": UNAUTHORIZED,
    }
    schema["x-problem-types"] = {f"/problems/{slug}": text for slug, text in sorted(PROBLEM_TYPES.items())}
    return schema
