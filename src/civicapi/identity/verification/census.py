"""The census (population register): replaced whole from a CSV upload, matched by residents verifying
themselves. Only keyed hashes of identifiers and birth dates are kept, with the coarse facts requirements
use (district, postal code, birth year)."""

from __future__ import annotations

import csv
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import tabular
from civicapi.core.audit import record
from civicapi.core.errors import InvalidInput
from civicapi.core.links import ResourceRef
from civicapi.identity.verification.errors import VerificationFailed
from civicapi.identity.verification.handlers import CENSUS
from civicapi.identity.verification.hashing import IdentityHasher, normalize_identifier
from civicapi.identity.verification.models import Verification
from civicapi.identity.verification.repository import CensusRepository
from civicapi.identity.verification.service import grant_verification

REQUIRED_COLUMNS = ("identifier", "birth_date")
OPTIONAL_COLUMNS = ("district", "postal_code")
MAX_LISTED_ERRORS = 100
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LIMITS = {"identifier": 64, "district": 120, "postal_code": 20}


@dataclass(frozen=True, slots=True)
class CensusRow:
    row: int
    identifier: str
    birth_date: date
    district: str | None
    postal_code: str | None


@dataclass(slots=True)
class CensusParse:
    rows: list[CensusRow]
    errors: list[dict[str, Any]]


def _error(row: int, column: str | None, code: str, message: str) -> dict[str, Any]:
    location: list[str | int] = ["body", row] if column is None else ["body", row, column]
    return {"location": location, "row": row, "message": message, "code": code}


def _parse_date(value: str, today: date) -> date | str:
    if not _ISO_DATE.match(value):
        return "birth date must be YYYY-MM-DD"
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return "not a calendar date"
    if parsed > today or parsed.year < 1880:
        return "birth date out of range"
    return parsed


def _header(line: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
    columns = [c.strip().lower() for c in line]
    errors = []
    for col in columns:
        if col not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
            errors.append(_error(1, col, "unknown_column", f"unknown column {col!r}"))
        elif columns.count(col) > 1:
            errors.append(_error(1, col, "duplicate_column", f"column {col!r} appears twice"))
    for col in REQUIRED_COLUMNS:
        if col not in columns:
            errors.append(_error(1, col, "missing_column", f"the header has no {col!r} column"))
    return columns, errors


def parse_census(data: bytes, *, today: date) -> CensusParse:
    """Parse a census CSV (UTF-8, header line, ``,`` or ``;``). Rows are numbered as lines of the file
    (the header is row 1). Every problem is reported, not only the first."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return CensusParse([], [_error(1, None, "not_utf8", "the file is not UTF-8 text")])
    reader = tabular.reader(text)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return CensusParse([], [_error(1, None, "bad_csv", str(exc))])
    if header is None or not any(c.strip() for c in header):
        return CensusParse([], [_error(1, None, "missing_header", "the file needs a header line")])
    columns, errors = _header(header)
    if errors:
        return CensusParse([], errors)
    rows: list[CensusRow] = []
    seen: dict[str, int] = {}
    while True:
        try:
            fields = next(reader, None)
        except csv.Error as exc:
            errors.append(_error(reader.line_num, None, "bad_csv", str(exc)))
            break
        if fields is None:
            break
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(columns):
            errors.append(_error(line, None, "wrong_field_count", f"expected {len(columns)} fields"))
            continue
        values = {col: value.strip() for col, value in zip(columns, fields, strict=True)}
        row_errors = []
        for col, limit in _LIMITS.items():
            if len(values.get(col, "")) > limit:
                row_errors.append(_error(line, col, "too_long", f"longer than {limit} characters"))
        identifier = normalize_identifier(values["identifier"])
        if not identifier:
            row_errors.append(_error(line, "identifier", "missing_identifier", "no identifier"))
        elif identifier in seen:
            message = f"same identifier as row {seen[identifier]}"
            row_errors.append(_error(line, "identifier", "duplicate_identifier", message))
        else:
            seen[identifier] = line
        birth = _parse_date(values["birth_date"], today)
        if isinstance(birth, str):
            row_errors.append(_error(line, "birth_date", "bad_date", birth))
        if row_errors or isinstance(birth, str):
            errors.extend(row_errors)
            continue
        rows.append(
            CensusRow(
                row=line,
                identifier=identifier,
                birth_date=birth,
                district=values.get("district") or None,
                postal_code=values.get("postal_code") or None,
            )
        )
    return CensusParse(rows, errors)


@dataclass(frozen=True, slots=True)
class CensusReplaced:
    entries: int
    previous_entries: int


async def replace_census(
    session: AsyncSession, hasher: IdentityHasher, *, commune_id: uuid.UUID, data: bytes, today: date
) -> CensusReplaced:
    """Replace the commune's census with the CSV ``data``, all or nothing: one bad row is a 422 listing
    every bad row (the first :data:`MAX_LISTED_ERRORS`), and nothing changes. Existing verifications stay."""
    parsed = parse_census(data, today=today)
    if parsed.errors:
        raise InvalidInput(
            f"the census has {len(parsed.errors)} error(s); nothing was changed",
            errors=parsed.errors[:MAX_LISTED_ERRORS],
            error_count=len(parsed.errors),
            reason="invalid_census",
        )
    repo = CensusRepository(session, commune_id)
    previous = await repo.count()
    await repo.replace_all(
        [
            {
                "identity_key": hasher.identity_key(commune_id, row.identifier),
                "birth_date_hash": hasher.birth_date_hash(commune_id, row.identifier, row.birth_date),
                "district": row.district,
                "postal_code": row.postal_code,
                "birth_year": row.birth_date.year,
            }
            for row in parsed.rows
        ]
    )
    record(
        session,
        commune_id=commune_id,
        action="census.replaced",
        resource=ResourceRef("identity", "census", commune_id),
        changes={"entries": [previous, len(parsed.rows)]},
    )
    return CensusReplaced(entries=len(parsed.rows), previous_entries=previous)


async def verify_with_census(
    session: AsyncSession,
    hasher: IdentityHasher,
    *,
    commune_id: uuid.UUID,
    user_id: uuid.UUID,
    identifier: str,
    birth_date: date,
    now: datetime | None = None,
) -> Verification:
    """Verify the account of a resident who gives their identifier and birth date. An unknown identifier
    and a wrong birth date get the same answer (422 ``census_mismatch``), so the census cannot be probed
    for who lives in the commune."""
    # Attempts are rate-limited by the HTTP layer, per person and per identifier.
    identity_key = hasher.identity_key(commune_id, identifier)
    expected = hasher.birth_date_hash(commune_id, identifier, birth_date)
    entry = await CensusRepository(session, commune_id).by_identity_key(identity_key)
    if entry is None or not hasher.same(entry.birth_date_hash, expected):
        raise VerificationFailed(
            "the identifier and birth date do not match the census", reason="census_mismatch"
        )
    metadata = {"district": entry.district, "postal_code": entry.postal_code, "birth_year": entry.birth_year}
    return await grant_verification(
        session,
        commune_id=commune_id,
        user_id=user_id,
        handler=CENSUS.name,
        identity_key=identity_key,
        metadata=metadata,
        now=now,
    )
