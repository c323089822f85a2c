"""CSV import: create and update a component's results in one all-or-nothing operation.

A row updates the result named by its ``id``, else the one whose ``external_id`` it gives, else creates a
result (which needs a ``title_<locale>``). An empty cell leaves the field as it is. ``parent_id`` or
``parent_external_id`` (a result of the component, or a row of the same file) place the result in the
tree. Every row is checked first, the final tree too (a parent of the component, no cycle, at most
``MAX_DEPTH`` levels, no progress set on a result that has children) and every problem is reported
(``errors[].location = ["body", <line>, <column>]``); only a file without any problem writes anything.
The progress is then rolled up once for the whole component.
"""

from __future__ import annotations

import asyncio
import csv
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import tabular
from civicapi.core.audit import diff
from civicapi.core.errors import InvalidInput
from civicapi.core.schemas import FROM_TEXT
from civicapi.modules.accountability import audit_helpers as trail
from civicapi.modules.accountability import places
from civicapi.modules.accountability import service_events as events
from civicapi.modules.accountability.models import Result, Status
from civicapi.modules.accountability.repository import ResultRepository, StatusRepository
from civicapi.modules.accountability.rollup import MAX_DEPTH, recompute_component
from civicapi.modules.accountability.schemas import ResultCreate, ResultUpdate
from civicapi.modules.accountability.schemas_io import ImportRead
from civicapi.modules.accountability.service import values
from civicapi.modules.accountability.service_export import MULTILINGUAL, PLAIN_AFTER, PLAIN_BEFORE, READ_ONLY
from civicapi.modules.accountability.settings import ComponentContext

MAX_IMPORT_ROWS = 5000
MAX_LISTED_ERRORS = 200
PROGRESS_TOLERANCE = 0.01
"""A result with children may carry its current (rolled-up) progress in the file, as exported."""
_UNSET: Any = object()


def _error(line: int, column: str | None, code: str, message: str) -> dict[str, Any]:
    location: list[str | int] = ["body", line] if column is None else ["body", line, column]
    return {"location": location, "row": line, "message": message, "code": code}


@dataclass
class _Row:
    line: int
    id: uuid.UUID
    target: Result | None
    """The existing result it updates; None for a new one."""
    changes: dict[str, Any]
    status: Any = _UNSET
    """A status key, or ``_UNSET`` when the cell is empty."""
    parent: tuple[str, str] | None = None
    """("id", uuid text) or ("external", external id) when the file places the result."""
    errors: list[dict[str, Any]] = field(default_factory=list)


def _columns(header: list[str], locales: Sequence[str]) -> tuple[list[str], list[dict[str, Any]]]:
    columns = [c.strip().lower() for c in header]
    writable = {
        *PLAIN_BEFORE,
        *PLAIN_AFTER,
        *(f"{f}_{loc}" for f in MULTILINGUAL for loc in locales),
    }
    ignored = {*READ_ONLY, *(f"status_name_{loc}" for loc in locales)}
    errors = []
    for col in columns:
        if col not in writable | ignored:
            errors.append(
                _error(1, col, "unknown_column", f"unknown column; allowed: {', '.join(sorted(writable))}")
            )
        elif columns.count(col) > 1:
            errors.append(_error(1, col, "duplicate_column", "this column appears twice"))
    if not {"id", "external_id"} & set(columns) and not any(c.startswith("title_") for c in columns):
        errors.append(_error(1, None, "missing_column", "the header needs id, external_id or title_<locale>"))
    return columns, errors


def _pydantic_errors(line: int, exc: ValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if isinstance(p, str)]
        column = (
            f"{loc[0]}_{loc[1]}" if len(loc) > 1 and loc[0] in MULTILINGUAL else (loc[0] if loc else None)
        )
        out.append(_error(line, column, err["type"], err["msg"]))
    return out


class _Plan:
    """What the file does to the component, checked against its current results and statuses."""

    def __init__(self, ctx: ComponentContext, results: list[Result], statuses: list[Status]) -> None:
        self.ctx = ctx
        self.by_id = {r.id: r for r in results}
        self.by_external = {r.external_id: r.id for r in results if r.external_id}
        self.statuses = {s.key: s for s in statuses}
        self.rows: list[_Row] = []
        self.parents: set[uuid.UUID] = set()
        """Results that have children once the file is applied (their progress is rolled up)."""
        self.errors: list[dict[str, Any]] = []

    def add(self, line: int, cells: Mapping[str, str]) -> None:
        data: dict[str, Any] = {c: v for c, v in cells.items() if v and c in (*PLAIN_BEFORE, *PLAIN_AFTER)}
        for name in MULTILINGUAL:
            texts = {c.split("_", 1)[1]: v for c, v in cells.items() if c.startswith(f"{name}_") and v}
            if texts:
                data[name] = texts
        raw_id, parent_id, parent_ext = (
            data.pop("id", None),
            data.pop("parent_id", None),
            data.pop("parent_external_id", None),
        )
        status = data.pop("status", _UNSET)
        target = None
        if raw_id is not None:
            try:
                target = self.by_id.get(uuid.UUID(raw_id))
            except ValueError:
                self.errors.append(_error(line, "id", "invalid_uuid", "not a result id"))
                return
            if target is None:
                self.errors.append(
                    _error(line, "id", "unknown_result", "no result of the component has this id")
                )
                return
        elif data.get("external_id") in self.by_external:
            target = self.by_id[self.by_external[data["external_id"]]]
        try:
            model = ResultUpdate if target is not None else ResultCreate
            parsed = model.model_validate(data, context={FROM_TEXT: True})
        except ValidationError as exc:
            self.errors.extend(_pydantic_errors(line, exc))
            return
        changes = parsed.model_dump(exclude_unset=True)
        row = _Row(line=line, id=target.id if target else uuid.uuid4(), target=target, changes=changes)
        if status is not _UNSET:
            if status not in self.statuses:
                row.errors.append(
                    _error(line, "status", "unknown_status", f"the component has no status {status!r}")
                )
            row.status = status
        if parent_id is not None:
            row.parent = ("id", parent_id)
        elif parent_ext is not None:
            row.parent = ("external", parent_ext)
        if target is not None:
            self._check_update(row)
        self.errors.extend(row.errors)
        self.rows.append(row)

    def _check_update(self, row: _Row) -> None:
        target, changes = row.target, row.changes
        assert target is not None
        start, end = changes.get("start_date", target.start_date), changes.get("end_date", target.end_date)
        if start is not None and end is not None and end < start:
            row.errors.append(_error(row.line, "end_date", "dates_order", "end_date is before start_date"))
        lat, lon = changes.get("latitude", target.latitude), changes.get("longitude", target.longitude)
        if (lat is None) != (lon is None):
            row.errors.append(_error(row.line, "latitude", "coordinates_pair", "give latitude and longitude"))

    def check_tree(self) -> None:
        """Identities, external ids, parents, cycles, depth and rolled-up progress of the final tree."""
        seen: dict[uuid.UUID, int] = {}
        external = dict(self.by_external)
        for row in self.rows:
            if row.id in seen:
                self.errors.append(
                    _error(row.line, None, "duplicate_row", f"line {seen[row.id]} is the same result")
                )
            seen[row.id] = row.line
            ext = row.changes.get("external_id")
            if ext is not None and external.get(ext, row.id) != row.id:
                self.errors.append(
                    _error(row.line, "external_id", "external_id_taken", "another result has it")
                )
            elif ext is not None:
                if row.target is not None and row.target.external_id and row.target.external_id != ext:
                    external.pop(row.target.external_id, None)
                external[ext] = row.id
        parent_of: dict[uuid.UUID, uuid.UUID | None] = {r.id: r.parent_id for r in self.by_id.values()}
        for row in self.rows:
            parent_of.setdefault(row.id, None)
        for row in self.rows:
            if row.parent is None:
                continue
            kind, value = row.parent
            try:
                parent = uuid.UUID(value) if kind == "id" else external.get(value)
            except ValueError:
                parent = None
            column = "parent_id" if kind == "id" else "parent_external_id"
            if parent is None or parent not in parent_of:
                self.errors.append(_error(row.line, column, "parent_not_found", "no result of the component"))
            elif parent == row.id:
                self.errors.append(_error(row.line, column, "cycle", "a result cannot be its own parent"))
            else:
                parent_of[row.id] = parent
                row.changes["parent_id"] = parent
        line_of = {row.id: row.line for row in self.rows}
        reported: set[int] = set()
        for start in parent_of:
            depth, path = 0, []
            node: uuid.UUID | None = start
            problem = None
            while node is not None:
                if node in path:
                    problem = ("cycle", "this places a result under its own descendant")
                    break
                path.append(node)
                node, depth = parent_of[node], depth + 1
                if depth > MAX_DEPTH:
                    problem = ("too_deep", f"a tree of results has at most {MAX_DEPTH} levels")
                    break
            if problem is not None:
                line = next((line_of[n] for n in path if n in line_of), 0)
                if line not in reported:
                    reported.add(line)
                    self.errors.append(_error(line, "parent_id", *problem))
        parents = {p for p in parent_of.values() if p is not None}
        self.parents = parents
        for row in self.rows:
            if "progress" not in row.changes or row.id not in parents:
                continue
            current = row.target.progress if row.target is not None else None
            if current is not None and abs(row.changes["progress"] - current) <= PROGRESS_TOLERANCE:
                del row.changes["progress"]  # the exported, rolled-up value: nothing to change
            else:
                self.errors.append(
                    _error(
                        row.line,
                        "progress",
                        "progress_rolled_up",
                        "this result has children: its progress is theirs",
                    )
                )


def parse_import(data: bytes, ctx: ComponentContext, plan: _Plan) -> None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        plan.errors.append(_error(1, None, "not_utf8", "the file is not UTF-8 text"))
        return
    records = tabular.records(text)
    header = next(records, None)
    if header is None or isinstance(header, csv.Error) or not any(c.strip() for c in header[1]):
        plan.errors.append(_error(1, None, "missing_header", "the file needs a header line"))
        return
    columns, errors = _columns(header[1], ctx.commune.locales)
    if errors:
        plan.errors.extend(errors)
        return
    count = 0
    for record in records:
        if isinstance(record, csv.Error):
            plan.errors.append(_error(0, None, "bad_csv", str(record)))
            return
        line, fields = record
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(columns):
            plan.errors.append(_error(line, None, "wrong_field_count", f"expected {len(columns)} fields"))
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            plan.errors.append(
                _error(line, None, "too_many_rows", f"at most {MAX_IMPORT_ROWS} rows per import")
            )
            return
        plan.add(line, {c: f.strip() for c, f in zip(columns, fields, strict=True)})
    if count == 0:
        plan.errors.append(_error(1, None, "empty", "the file has no result"))


def _parse_and_check(data: bytes, ctx: ComponentContext, plan: _Plan) -> None:
    parse_import(data, ctx, plan)
    plan.check_tree()


async def import_results(session: AsyncSession, ctx: ComponentContext, data: bytes) -> ImportRead:
    repo = ResultRepository(session, ctx.commune_id)
    statuses = await StatusRepository(session, ctx.commune_id).all_of_component(ctx.component_id)
    plan = _Plan(ctx, await repo.all_of_component(ctx.component_id), statuses)
    # Parsing and checking the rows is CPU (no database): a worker thread, the loop keeps serving.
    await asyncio.to_thread(_parse_and_check, data, ctx, plan)
    if plan.errors:
        raise InvalidInput(
            f"{len(plan.errors)} problem(s) in the file; nothing was imported",
            errors=plan.errors[:MAX_LISTED_ERRORS],
            error_count=len(plan.errors),
        )
    by_key = plan.statuses
    by_status_id = {s.id: s for s in statuses}
    created = updated = 0
    pending: list[tuple[_Row, Result, dict[str, Any], Status | None]] = []
    for row in plan.rows:
        changes = dict(row.changes)
        changes.pop("parent_id", None)
        if row.target is None:
            status = by_key[row.status] if row.status is not _UNSET else None
            progress = changes.pop("progress", None)
            if progress is None:
                progress = status.progress if status is not None and status.progress is not None else 0.0
            result = Result(
                id=row.id,
                commune_id=ctx.commune_id,
                component_id=ctx.component_id,
                **{**changes, "description": changes.get("description") or {}},
                status_id=status.id if status else None,
                progress=progress,
            )
            session.add(result)
            before: dict[str, Any] = {}
            created += 1
        else:
            result = row.target
            before = values(result, by_status_id.get(result.status_id) if result.status_id else None)
            status = by_status_id.get(result.status_id) if result.status_id else None
            if row.status is not _UNSET and by_key[row.status] is not status:
                status = by_key[row.status]
                result.status_id = status.id
                if "progress" not in changes and status.progress is not None and row.id not in plan.parents:
                    changes["progress"] = status.progress
            for key, value in changes.items():
                setattr(result, key, value)
            updated += 1
        pending.append((row, result, before, status))
    await session.flush()  # new results exist (top-level for now): parents can be set in any order
    for row, result, _, _ in pending:
        if "parent_id" in row.changes:
            result.parent_id = row.changes["parent_id"]
    await session.flush()
    await places.sync(session, [result for _, result, _, _ in pending])
    for _, result, before, status in pending:
        after = values(result, status)
        changed = diff(before, after) if before else trail.created(after)
        if not changed:
            continue
        trail.record(
            session,
            commune_id=ctx.commune_id,
            kind="result",
            id=result.id,
            verb="import",
            changes=changed,
            public=ctx.public,
        )
        if before and "status" in changed:
            previous = plan.statuses.get(before["status"]) if before["status"] else None
            events.status_changed(session, ctx, result, previous=previous, current=status)
        if before and "progress" in changed:
            events.progress_changed(session, ctx, result, previous=before["progress"], cause="import")
    await recompute_component(session, ctx)
    return ImportRead(created=created, updated=updated, result_ids=[row.id for row in plan.rows])
