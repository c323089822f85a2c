"""Building blocks of request schemas shared by every layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError


def exactly_one_of(first: str, second: str) -> dict[str, Any]:
    """JSON schema (for ``json_schema_extra``) saying that exactly one of two nullable fields is given,
    as the model's own check requires: one is a non-null value, the other absent or null."""
    return {
        "oneOf": [
            {"required": [name], "properties": {name: {"not": {"type": "null"}}, other: {"type": "null"}}}
            for name, other in ((first, second), (second, first))
        ]
    }


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**constraints: Any) -> Any:
    """A field of an update that may be left out but not cleared: absent leaves it unchanged, ``null`` is
    refused (422 at the field, like any value of the wrong type) and the schema says so (no ``null``
    among its types, no default). Declare it with its plain type: ``title: MultilingualTitle = omittable()``."""
    return Field(default=None, json_schema_extra=_without_default, **constraints)


_JSON_TYPES: dict[type, tuple[tuple[type, ...], str]] = {
    bool: ((bool,), "a JSON boolean (true or false)"),
    int: ((int,), "a JSON integer"),
    float: ((int, float), "a JSON number"),
}


def _json_type_error(annotation: Any, value: Any) -> str | None:
    """What ``value`` (decoded JSON) should have been for ``annotation``, when it is a string, number or
    boolean standing for another of them ("100" or true for a number, 0 for a boolean); None when it fits.
    Only scalars are judged, inside lists, dicts and unions; everything else is pydantic's to check."""
    if value is None:
        return None
    origin = get_origin(annotation)
    if origin is Annotated:
        return _json_type_error(get_args(annotation)[0], value)
    if origin in (Union, UnionType):
        errors = [_json_type_error(m, value) for m in get_args(annotation) if m is not type(None)]
        return None if any(e is None for e in errors) else errors[0]
    if origin in (list, tuple, set, frozenset, Sequence) and isinstance(value, list):
        items = get_args(annotation)
        if not items or (origin is tuple and items[-1] is not Ellipsis):  # a fixed tuple: pydantic's
            return None
        return next((e for item in value if (e := _json_type_error(items[0], item))), None)
    if origin in (dict, Mapping) and isinstance(value, dict):
        pair = get_args(annotation)
        return next((e for item in value.values() if pair and (e := _json_type_error(pair[1], item))), None)
    if isinstance(annotation, type) and annotation in _JSON_TYPES:
        accepted, expected = _JSON_TYPES[annotation]
        if isinstance(value, bool) and annotation is not bool:
            return expected
        if annotation is int and isinstance(value, float) and value.is_integer():
            return None  # 100.0 is an integer to JSON Schema, as to pydantic
        return None if isinstance(value, accepted) else expected
    return None


FROM_TEXT = "from_text"
"""Validation context key (``model_validate(row, context={FROM_TEXT: True})``) for data read from text, such
as a CSV import's rows: a request model then converts ``"100"`` to 100 as pydantic's lax mode does."""


class RequestModel(BaseModel):
    """Base of every request body: numbers must be JSON numbers and booleans JSON booleans (pydantic's lax
    mode would take ``"100"`` for 100 and ``false`` for 0), while ids, dates and times stay JSON strings.
    (Pydantic's own strict mode cannot say this of Python input, which FastAPI validates: it would refuse
    the strings of UUIDs and dates too.)"""

    @field_validator("*", mode="before")
    @classmethod
    def _json_scalars(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(info.context, dict) and info.context.get(FROM_TEXT):
            return value  # a row of a CSV file: every cell is text, converted as pydantic does
        field = cls.model_fields.get(info.field_name or "")
        expected = None if field is None else _json_type_error(field.annotation, value)
        if expected is not None:
            raise PydanticCustomError("json_type", "Input should be {expected}", {"expected": expected})
        return value


def trimmed(max_length: int, *, min_length: int = 1) -> Any:
    """Constraints of a string kept without its surrounding white space, of ``min_length`` to
    ``max_length`` characters once trimmed (``Annotated[str, trimmed(60)]``). The schema says so too: a
    pattern asking for ``min_length`` characters between a first and a last one that are not white space
    (``"  "`` is not a one-character string once trimmed)."""
    pattern = None
    if min_length == 1:
        pattern = r"\S"
    elif min_length > 1:
        pattern = rf"\S[\s\S]{{{min_length - 2},}}\S"
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern
    )
