"""The commune's address list, replaced whole from a CSV (an upload or ``civicapi places import-addresses``).

Columns (header line, any order, names in any case; ``,`` or ``;`` as delimiter; UTF-8): ``street``,
``latitude``, ``longitude`` (WGS84, decimal point) are required; ``house_number``, ``postcode``, ``city``
are optional; other columns (an address base's identifiers...) are ignored. All or nothing: one bad row is
a 422 problem listing the bad rows with their line numbers, and nothing changes."""

from __future__ import annotations

import asyncio
import csv
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import tabular
from civicapi.core.audit import record
from civicapi.core.errors import InvalidInput
from civicapi.core.links import ResourceRef
from civicapi.places.geocoding import repository as repo
from civicapi.places.geocoding.results import fold, label_of

REQUIRED = ("street", "latitude", "longitude")
OPTIONAL = ("house_number", "postcode", "city")
LENGTHS = {"street": 200, "house_number": 20, "postcode": 20, "city": 120}
LISTED_ERRORS = 100
BOUNDS = {"latitude": 90.0, "longitude": 180.0}


@dataclass(slots=True)
class AddressList:
    """What a CSV held: the rows to write, or the problems (line, column, code, message)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def bad(self, line: int, column: str | None, code: str, message: str) -> None:
        where: list[str | int] = ["body", line]
        if column:
            where.append(column)
        self.errors.append({"location": where, "row": line, "code": code, "message": message})


def _coordinate(parsed: AddressList, line: int, column: str, text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        parsed.bad(line, column, "bad_coordinate", f"{text!r} is not a number (decimal point)")
        return None
    if not math.isfinite(value) or abs(value) > BOUNDS[column]:
        parsed.bad(line, column, "out_of_range", f"{column} must lie within ±{BOUNDS[column]:g}")
        return None
    return value


def _row(parsed: AddressList, line: int, values: dict[str, str], seen: dict[str, int]) -> None:
    before = len(parsed.errors)
    for column, limit in LENGTHS.items():
        if len(values.get(column, "")) > limit:
            parsed.bad(line, column, "too_long", f"longer than {limit} characters")
    if not values["street"]:
        parsed.bad(line, "street", "missing_street", "no street")
    latitude = _coordinate(parsed, line, "latitude", values["latitude"])
    longitude = _coordinate(parsed, line, "longitude", values["longitude"])
    parts = [values.get(column) or None for column in ("street", "house_number", "postcode", "city")]
    label = label_of(*parts)
    key = fold(label)
    if key in seen:
        parsed.bad(line, None, "duplicate_address", f"the same address as line {seen[key]}")
    seen.setdefault(key, line)
    if len(parsed.errors) == before and latitude is not None and longitude is not None:
        street, number, postcode, city = parts
        parsed.rows.append(
            {
                "street": street,
                "house_number": number,
                "postcode": postcode,
                "city": city,
                "latitude": latitude,
                "longitude": longitude,
                "label": label,
                "search": f" {key} ",
            }
        )


def parse_addresses(data: bytes) -> AddressList:
    """Every row of the CSV ``data``, or every problem in it (lines numbered as in the file)."""
    parsed = AddressList()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        parsed.bad(1, None, "not_utf8", f"the file is not UTF-8 text ({exc.reason})")
        return parsed
    columns: list[str] | None = None
    seen: dict[str, int] = {}
    line = 0
    for item in tabular.records(text):
        if isinstance(item, csv.Error):
            parsed.bad(line + 1, None, "bad_csv", str(item))
            break
        line, fields = item
        if columns is None:
            columns = [name.strip().lower() for name in fields]
            for name in REQUIRED:
                if name not in columns:
                    parsed.bad(1, name, "missing_column", f"the header names no {name!r} column")
            if parsed.errors:
                return parsed
            continue
        if not any(value.strip() for value in fields):
            continue
        if len(fields) != len(columns):
            parsed.bad(
                line, None, "wrong_field_count", f"{len(fields)} fields, the header has {len(columns)}"
            )
            continue
        values = {name: value.strip() for name, value in zip(columns, fields, strict=True)}
        _row(parsed, line, values, seen)
    if columns is None:
        parsed.bad(
            1, None, "missing_header", "the file needs a header line: " + ",".join(REQUIRED + OPTIONAL)
        )
    return parsed


@dataclass(frozen=True, slots=True)
class AddressesReplaced:
    addresses: int
    previous_addresses: int


async def replace_addresses(session: AsyncSession, commune_id: uuid.UUID, data: bytes) -> AddressesReplaced:
    """The commune's address list becomes the CSV ``data``'s (parsed in a worker thread), or a 422 problem
    listing the bad rows (the first :data:`LISTED_ERRORS`) and nothing changes."""
    parsed = await asyncio.to_thread(parse_addresses, data)
    if parsed.errors:
        raise InvalidInput(
            f"the address list has {len(parsed.errors)} error(s); nothing was changed",
            errors=parsed.errors[:LISTED_ERRORS],
            error_count=len(parsed.errors),
            reason="invalid_addresses",
        )
    previous = await repo.count_addresses(session, commune_id)
    await repo.replace_addresses(session, commune_id, parsed.rows)
    record(
        session,
        commune_id=commune_id,
        action="places.addresses.replaced",
        resource=ResourceRef("places", "addresses", commune_id),
        changes={"addresses": [previous, len(parsed.rows)]},
    )
    return AddressesReplaced(addresses=len(parsed.rows), previous_addresses=previous)
