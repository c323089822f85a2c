"""OpenAPI document: problem documents declared everywhere, FastAPI's 422 shape replaced by ours."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from civicapi.core.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES, FieldError, Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


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
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            if "422" in responses:
                responses["422"] = {
                    "description": "Invalid input: `errors` lists every offending field",
                    "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
                }
    schema["x-problem-types"] = {f"/problems/{slug}": text for slug, text in sorted(PROBLEM_TYPES.items())}
    return schema
