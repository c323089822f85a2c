"""A questionnaire's responses exported as CSV, JSON lines or XLSX, streamed: one row per response (test
responses left out) with its pseudonymous ``respondent`` and ``submitted_at``, then a column per question
(choices joined with ``; `` in the options' order; a matrix: a column per row; a ranking: the options in
the order given; an option's free text after its label). No account data: the ``user_id`` is never read.

Responses are read in batches of :data:`BATCH` by (submitted_at, id), each batch in its own short
read-only unit of work (three statements: responses, answers, chosen options), so an export holds no
database connection while the client reads and its size is not bounded by memory. XLSX is written by
openpyxl's write-only mode (rows go to a temporary file as they come) in worker threads, then sent from
that file in chunks."""

from __future__ import annotations

import json
import tempfile
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from civicapi.core.audit import current_actor, set_actor
from civicapi.core.db.session import Database
from civicapi.core.tabular import cell, csv_line
from civicapi.forms.models import (
    CHOICE_TYPES,
    MATRIX_TYPES,
    RANKING,
    TITLE_AND_DESCRIPTION,
    Questionnaire,
)
from civicapi.forms.repository_results import ResultsRepository

BATCH = 1000
CHUNK = 64 * 1024
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl", "xlsx": "xlsx"}
FIXED = ("respondent", "submitted_at")


def _label(text: dict[str, str], locale: str | None) -> str:
    if locale and locale in text:
        return text[locale]
    return next(iter(text.values()), "")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    question_id: uuid.UUID
    kind: str
    row_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """The columns of an export and the labels of the options."""

    commune_id: uuid.UUID
    questionnaire_id: uuid.UUID
    columns: list[Column]
    options: dict[uuid.UUID, str]
    """Label of each option, in the options' order."""
    order: dict[uuid.UUID, int]

    @property
    def header(self) -> list[str]:
        return [*FIXED, *(c.name for c in self.columns)]


async def export_plan(db: Database, questionnaire: Questionnaire, locale: str | None) -> Plan:
    """The columns of ``questionnaire``'s export, named ``<n>. <question>`` (and `` / <row>``) in ``locale``
    (else the texts' first language)."""
    async with db.unit_of_work(readonly=True) as session:
        questions, options, rows = await ResultsRepository(session, questionnaire.commune_id).structure(
            questionnaire.id
        )
    rows_of: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        rows_of[row.question_id].append(row)
    columns = []
    for number, question in enumerate(
        (q for q in questions if q.question_type != TITLE_AND_DESCRIPTION), start=1
    ):
        name = f"{number}. {_label(question.body, locale)}"
        if question.question_type in MATRIX_TYPES:
            columns += [
                Column(f"{name} / {_label(r.body, locale)}", question.id, question.question_type, r.id)
                for r in rows_of[question.id]
            ]
        else:
            columns.append(Column(name, question.id, question.question_type))
    return Plan(
        commune_id=questionnaire.commune_id,
        questionnaire_id=questionnaire.id,
        columns=columns,
        options={o.id: _label(o.body, locale) for o in options},
        order={o.id: i for i, o in enumerate(options)},
    )


def _cells(
    plan: Plan, answers: dict[uuid.UUID, Any], chosen: dict[tuple[uuid.UUID, Any], list[Any]]
) -> list[Any]:
    """The values of one response's columns: text, number, date, or the labels of the chosen options (a
    list, in the options' order, or in the ranking's order)."""
    order = plan.order
    values: list[Any] = []
    for column in plan.columns:
        if column.kind in CHOICE_TYPES:
            picks = chosen.get((column.question_id, column.row_id), [])
            if column.kind == RANKING:
                picks = sorted(picks, key=lambda c: c.position or 0)
            else:
                picks = sorted(picks, key=lambda c: order.get(c.option_id, 0))
            labels = [
                plan.options.get(c.option_id, "") + (f": {c.free_text}" if c.free_text else "") for c in picks
            ]
            values.append(labels if picks else None)
            continue
        answer = answers.get(column.question_id)
        if answer is None:
            values.append(None)
        elif answer.text is not None:
            values.append(answer.text)
        elif answer.number is not None:
            number = answer.number
            values.append(int(number) if float(number).is_integer() else number)
        else:
            values.append(answer.day)
    return values


async def _rows(db: Database, plan: Plan) -> AsyncIterator[list[list[Any]]]:
    """Batches of export rows (respondent, submitted_at, then the columns' values), each batch read in its
    own read-only unit of work."""
    commune_id, questionnaire_id = plan.commune_id, plan.questionnaire_id
    after: tuple[datetime, uuid.UUID] | None = None
    while True:
        async with db.unit_of_work(readonly=True) as session:
            repo = ResultsRepository(session, commune_id)
            responses = await repo.responses_after(questionnaire_id, after, BATCH)
            ids = [r.id for r in responses]
            answers = await repo.answers_of(ids) if ids else []
            choices = await repo.choices_of(ids) if ids else []
        answers_by: dict[uuid.UUID, dict[uuid.UUID, Any]] = defaultdict(dict)
        for answer in answers:
            answers_by[answer.response_id][answer.question_id] = answer
        chosen_by: dict[uuid.UUID, dict[tuple[uuid.UUID, Any], list[Any]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for choice in choices:
            chosen_by[choice.response_id][(choice.question_id, choice.matrix_row_id)].append(choice)
        if responses:
            yield [
                [r.respondent, r.submitted_at, *_cells(plan, answers_by[r.id], chosen_by[r.id])]
                for r in responses
            ]
        if len(responses) < BATCH:
            return
        after = (responses[-1].submitted_at, responses[-1].id)


def _joined(value: Any) -> Any:
    return "; ".join(value) if isinstance(value, list) else value


async def export_csv(db: Database, plan: Plan) -> AsyncIterator[bytes]:
    yield csv_line(plan.header)
    async for batch in _rows(db, plan):
        yield b"".join(csv_line([_joined(v) for v in row]) for row in batch)


def _json_value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


async def export_jsonl(db: Database, plan: Plan) -> AsyncIterator[bytes]:
    """One JSON object per line, keyed by the header (choices as lists)."""
    header = plan.header
    async for batch in _rows(db, plan):
        yield "".join(
            json.dumps(dict(zip(header, map(_json_value, row), strict=True)), ensure_ascii=False) + "\n"
            for row in batch
        ).encode()


def _xlsx_value(value: Any) -> Any:
    value = _joined(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: UTC, as stored
    if isinstance(value, str):
        return cell(value)  # formulas quoted
    return value


def _append(sheet: Any, rows: Sequence[Sequence[Any]]) -> None:
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    file.seek(0)
    while chunk := file.read(CHUNK):
        yield chunk


async def export_xlsx(db: Database, plan: Plan) -> AsyncIterator[bytes]:
    """The workbook in write-only mode (rows written to a temporary file as they come, in worker threads),
    saved to a temporary file, then sent from it in chunks."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("responses")
    sheet.append(plan.header)
    with tempfile.TemporaryFile() as out:
        async for batch in _rows(db, plan):
            await run_in_threadpool(_append, sheet, batch)
        await run_in_threadpool(book.save, out)
        for chunk in _chunks(out):
            yield chunk


ExportHook = Callable[[AsyncSession, Any, Questionnaire, str], Awaitable[None]]
"""(session, caller, questionnaire, format): what the owning module does before an export (an audit entry)."""


async def record_export(
    db: Database,
    request_session: AsyncSession,
    hook: ExportHook,
    caller: Any,
    questionnaire: Questionnaire,
    fmt: str,
) -> None:
    """Run ``hook`` in a unit of work of its own, by the request's actor, committed at once (the request's
    own unit of work is read-only, and an export streams after it)."""
    actor = current_actor(request_session)
    async with db.unit_of_work() as session:
        set_actor(session, actor)
        await hook(session, caller, questionnaire, fmt)


EXPORTERS = {"csv": export_csv, "jsonl": export_jsonl, "xlsx": export_xlsx}


async def export_responses(
    db: Database, questionnaire: Questionnaire, fmt: str, *, locale: str | None = None
) -> AsyncIterator[bytes]:
    """The responses of ``questionnaire`` in ``fmt`` (``csv``, ``jsonl`` or ``xlsx``), streamed."""
    plan = await export_plan(db, questionnaire, locale)
    return EXPORTERS[fmt](db, plan)
