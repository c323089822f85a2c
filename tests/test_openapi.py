"""The checked-in OpenAPI document is the front-ends' contract: complete, current, with errors declared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from civicapi.openapi_doc import render_openapi

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "openapi" / "openapi.json"


def test_checked_in_document_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_openapi(), (
        "run `civicapi openapi` and commit openapi/openapi.json"
    )


def _resolved(doc: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """A response object, or the shared one its ``$ref`` names (``#/components/responses/...``)."""
    ref = response.get("$ref")
    return doc["components"]["responses"][ref.rsplit("/", 1)[1]] if ref else response


def test_every_operation_is_named_tagged_and_declares_its_errors() -> None:
    doc = json.loads(DOC.read_text(encoding="utf-8"))
    ids: set[str] = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert op.get("operationId"), f"{method} {path}"
            assert op["operationId"] not in ids
            ids.add(op["operationId"])
            assert op.get("tags"), f"{method} {path}"
            errors = {code for code in op["responses"] if code.startswith(("4", "5"))}
            if method != "get" or "{" in path:
                assert errors, f"{method} {path} declares no error response"
            for code in errors:
                content = _resolved(doc, op["responses"][code]).get("content", {})
                assert "application/problem+json" in content, f"{method} {path} {code}"
            # what the middleware may answer to any request: busy or database down, body too large or too slow
            assert "Retry-After" in _resolved(doc, op["responses"]["503"])["headers"], f"{method} {path}"
            if "requestBody" in op:
                assert "413" in op["responses"], f"{method} {path}"
                assert "408" in op["responses"], f"{method} {path}"


def test_problem_schema_has_examples() -> None:
    doc = json.loads(DOC.read_text(encoding="utf-8"))
    assert "example" in doc["components"]["schemas"]["Problem"]
    assert "x-problem-types" in doc
