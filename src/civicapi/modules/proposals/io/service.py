"""Open-data export (CSV and JSON) and CSV import of a component's proposals.

The export holds published and withdrawn proposals with their published answers: no personal data beyond
the authors' public names (no ids, no emails, no supporters). The import is all or nothing: every row is
checked first and every problem reported (``errors[].location = ["body", <line>, <column>]``); only a
file without any problem creates proposals, published at once, official unless an ``author_name`` is given.
"""

from __future__ import annotations

import asyncio
import csv
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import tabular
from civicapi.core.db.base import utcnow
from civicapi.core.errors import InvalidInput
from civicapi.core.schemas import FROM_TEXT
from civicapi.modules.proposals.common import events, places, trail
from civicapi.modules.proposals.common.rules import (
    AUDIT_FIELDS,
    RANDOM_KEY_MODULUS,
    assign_references,
    content_errors,
)
from civicapi.modules.proposals.models import PUBLISHED, WITHDRAWN, Authorship, Proposal
from civicapi.modules.proposals.repository import ProposalRepository
from civicapi.modules.proposals.schemas import ImportRead, ProposalCreate, ProposalExport, ProposalStatus
from civicapi.modules.proposals.settings import ComponentContext
from civicapi.modules.proposals.states import catalogue

MAX_IMPORT_ROWS = 5000
MAX_LISTED_ERRORS = 200
SINGLE_COLUMNS = ("category", "district", "address", "latitude", "longitude", "author_name")
AUTHOR_NAME_MAX = 120


# --- export ----------------------------------------------------------------------------------------------


async def export_rows(
    session: AsyncSession, ctx: ComponentContext, *, counts_visible: bool
) -> list[ProposalExport]:
    proposals = await ProposalRepository(session, ctx.commune_id).all_of_component(
        ctx.component_id, (PUBLISHED, WITHDRAWN)
    )
    states = await catalogue(session, ctx.commune_id, ctx.component_id)
    rows = []
    for p in proposals:
        published = p.answer_published_at is not None
        state = states.get(p.state) if p.state else None
        rows.append(
            ProposalExport(
                id=p.id,
                reference=p.reference,
                status=ProposalStatus(p.status),
                title=p.title,
                body=p.body,
                category=p.category,
                district=p.district,
                address=p.address,
                latitude=p.latitude,
                longitude=p.longitude,
                official=p.official,
                authors=[] if p.official else events.author_names(p),
                state=p.state,
                state_name=dict(state.name) if state else None,
                answer=p.answer_text if published else None,
                cost=p.cost if published else None,
                cost_explanation=p.cost_explanation if published else None,
                execution_period=p.execution_period if published else None,
                supports_count=p.supports_count if counts_visible else None,
                comments_count=p.comments_count,
                published_at=p.published_at,
                withdrawn_at=p.withdrawn_at,
                answer_published_at=p.answer_published_at,
            )
        )
    return rows


MULTILINGUAL_EXPORT = ("title", "body", "state_name", "answer", "cost_explanation", "execution_period")


def export_csv(rows: Sequence[ProposalExport], locales: Sequence[str]) -> str:
    """One line per proposal; multilingual fields as one column per commune locale (``title_fr``...)."""
    plain_before = ["id", "reference", "status"]
    plain_after = [
        "category",
        "district",
        "address",
        "latitude",
        "longitude",
        "official",
        "authors",
        "state",
        "cost",
        "supports_count",
        "comments_count",
        "published_at",
        "withdrawn_at",
        "answer_published_at",
    ]
    localized = [f"{field}_{locale}" for field in MULTILINGUAL_EXPORT for locale in locales]

    def lines() -> Iterator[list[Any]]:
        for row in rows:
            data = row.model_dump()
            data["authors"] = "; ".join(row.authors)
            texts = [(data[field] or {}).get(locale) for field in MULTILINGUAL_EXPORT for locale in locales]
            yield [*(data[c] for c in plain_before), *texts, *(data[c] for c in plain_after)]

    return tabular.csv_text([*plain_before, *localized, *plain_after], lines())


# --- import ----------------------------------------------------------------------------------------------


def _error(line: int, column: str | None, code: str, message: str) -> dict[str, Any]:
    location: list[str | int] = ["body", line] if column is None else ["body", line, column]
    return {"location": location, "row": line, "message": message, "code": code}


class _ImportedRow(BaseModel):
    line: int
    proposal: ProposalCreate
    author_name: str | None


def _columns(header: list[str], locales: Sequence[str]) -> tuple[list[str], list[dict[str, Any]]]:
    columns = [c.strip().lower() for c in header]
    allowed = {*SINGLE_COLUMNS, *(f"{f}_{loc}" for f in ("title", "body") for loc in locales)}
    errors = []
    for col in columns:
        if col not in allowed:
            errors.append(
                _error(1, col, "unknown_column", f"unknown column; allowed: {', '.join(sorted(allowed))}")
            )
        elif columns.count(col) > 1:
            errors.append(_error(1, col, "duplicate_column", "this column appears twice"))
    if not any(c.startswith("title_") for c in columns):
        errors.append(_error(1, None, "missing_column", "the header needs a title_<locale> column"))
    return columns, errors


def _row(line: int, values: Mapping[str, str], ctx: ComponentContext) -> _ImportedRow | list[dict[str, Any]]:
    def texts(field: str) -> dict[str, str]:
        prefix = f"{field}_"
        return {col.removeprefix(prefix): v for col, v in values.items() if col.startswith(prefix) and v}

    data: dict[str, Any] = {"title": texts("title"), "body": texts("body")}
    for col in ("category", "district", "address", "latitude", "longitude"):
        if values.get(col):
            data[col] = values[col]
    author = values.get("author_name") or None
    errors: list[dict[str, Any]] = []
    if author is not None and len(author) > AUTHOR_NAME_MAX:
        errors.append(_error(line, "author_name", "string_too_long", f"at most {AUTHOR_NAME_MAX} characters"))
    try:
        proposal = ProposalCreate.model_validate(data, context={FROM_TEXT: True})
    except ValidationError as exc:
        for err in exc.errors():
            loc = [p for p in err["loc"] if isinstance(p, str)]
            column = (
                f"{loc[0]}_{loc[1]}"
                if len(loc) > 1 and loc[0] in ("title", "body")
                else (loc[0] if loc else None)
            )
            errors.append(_error(line, column, err["type"], err["msg"]))
        return errors

    def where(field: str) -> list[str | int]:
        return ["body", line, field]

    for problem in content_errors(ctx, proposal.model_dump(), where):
        location = problem["location"]
        column = f"{location[2]}_{location[3]}" if len(location) > 3 else location[2]
        errors.append(_error(line, str(column), problem["code"], problem["message"]))
    return errors or _ImportedRow(line=line, proposal=proposal, author_name=author)


def parse_import(data: bytes, ctx: ComponentContext) -> tuple[list[_ImportedRow], list[dict[str, Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [_error(1, None, "not_utf8", "the file is not UTF-8 text")]
    records = tabular.records(text)
    header = next(records, None)
    if header is None or isinstance(header, csv.Error) or not any(c.strip() for c in header[1]):
        return [], [_error(1, None, "missing_header", "the file needs a header line")]
    columns, errors = _columns(header[1], ctx.commune.locales)
    if errors:
        return [], errors
    rows: list[_ImportedRow] = []
    for record in records:
        if isinstance(record, csv.Error):
            errors.append(_error(0, None, "bad_csv", str(record)))
            break
        line, fields = record
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(columns):
            errors.append(_error(line, None, "wrong_field_count", f"expected {len(columns)} fields"))
            continue
        if len(rows) + len(errors) >= MAX_IMPORT_ROWS:
            errors.append(
                _error(line, None, "too_many_rows", f"at most {MAX_IMPORT_ROWS} proposals per import")
            )
            break
        parsed = _row(line, {c: f.strip() for c, f in zip(columns, fields, strict=True)}, ctx)
        if isinstance(parsed, list):
            errors.extend(parsed)
        else:
            rows.append(parsed)
    if not rows and not errors:
        errors.append(_error(1, None, "empty", "the file has no proposal"))
    return rows, errors


async def import_proposals(session: AsyncSession, ctx: ComponentContext, data: bytes) -> ImportRead:
    # Parsing and checking a file of thousands of rows is CPU: a worker thread, the loop keeps serving.
    rows, errors = await asyncio.to_thread(parse_import, data, ctx)
    if errors:
        raise InvalidInput(
            f"{len(errors)} problem(s) in the file; nothing was imported",
            errors=errors[:MAX_LISTED_ERRORS],
            error_count=len(errors),
        )
    now = utcnow()
    proposals = []
    for row in rows:
        p = row.proposal
        proposal = Proposal(
            commune_id=ctx.commune_id,
            component_id=ctx.component_id,
            status=PUBLISHED,
            title=p.title,
            body=p.body,
            address=p.address,
            latitude=p.latitude,
            longitude=p.longitude,
            category=p.category,
            district=p.district,
            official=row.author_name is None,
            published_at=now,
            random_key=random.randrange(RANDOM_KEY_MODULUS),
            authorships=[]
            if row.author_name is None
            else [Authorship(commune_id=ctx.commune_id, user_id=None, display_name=row.author_name)],
        )
        proposals.append(proposal)
    await assign_references(session, ctx, proposals)  # also fills their search text
    session.add_all(proposals)
    await session.flush()
    for proposal, row in zip(proposals, rows, strict=True):
        adopt = row.proposal.district is None
        await places.sync(session, proposal, adopt_district=adopt, allowed=ctx.settings.districts)
    for proposal in proposals:
        trail.record(
            session,
            commune_id=ctx.commune_id,
            kind="proposal",
            id=proposal.id,
            verb="import",
            changes=trail.created(proposal, (*AUDIT_FIELDS, "reference")),
            public=True,
        )
        events.published(session, ctx, proposal)
    return ImportRead(
        created=len(proposals),
        proposal_ids=[p.id for p in proposals],
        references=[p.reference or "" for p in proposals],
    )
