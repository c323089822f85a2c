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


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"][name]
    return schema


def _enum(prop: dict[str, Any]) -> list[str] | None:
    """The values of a property that is an enum, directly, through a ``$ref`` or ``anyOf`` with null."""
    if "enum" in prop:
        return list(prop["enum"])
    for option in prop.get("anyOf", []):
        if "enum" in option:
            return list(option["enum"])
        if "$ref" in option:
            return _enum(_resolved_ref(option["$ref"]))
    if "$ref" in prop:
        return _enum(_resolved_ref(prop["$ref"]))
    return None


def _resolved_ref(ref: str) -> dict[str, Any]:
    doc = json.loads(render_openapi())
    return _schema(doc, ref.rsplit("/", 1)[1])


def test_closed_vocabularies_are_enums() -> None:
    """A generated client gets union types for the values a field can take, not ``string``."""
    doc = json.loads(render_openapi())
    expected = {
        ("CountRunRead", "status"): ["queued", "running", "done", "failed"],
        ("CountRunRead", "rule"): ["greedy", "greedy_stop", "mes", "mes_add1"],
        ("CountCreate", "rule"): ["greedy", "greedy_stop", "mes", "mes_add1"],
        ("BallotRead", "status"): ["draft", "checked_out", "sealed"],
        ("BallotRead", "channel"): ["online", "paper"],
        ("EligibilityRead", "workflow"): ["one", "all", "district"],
        ("VerificationRead", "status"): ["granted", "revoked"],
    }
    for (name, field), values in expected.items():
        assert _enum(_schema(doc, name)["properties"][field]) == values, (name, field)


def test_public_reads_say_credentials_are_optional() -> None:
    """An operation that serves anonymous callers lists the empty security requirement first, so a client
    knows it may call it without a token (and with one, for a personal view)."""
    doc = json.loads(render_openapi())
    processes = doc["paths"]["/v1/communes/{commune}/processes"]["get"]
    assert processes["security"][0] == {}
    me = doc["paths"]["/v1/me"]["get"]
    assert {} not in me["security"]
