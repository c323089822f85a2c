"""CSV as every module reads and writes it.

Read (every import: census, proposals, results): UTF-8 text whose delimiter is ``,`` or ``;`` (whichever
the header line uses more), quoted fields, strict (a stray quote is an error, not a guess).

Written (every export): ``,``-separated, CRLF line ends (RFC 4180), one rule for cells (:func:`cell`): text a
spreadsheet would run as a formula is prefixed with a quote (CSV injection), booleans are ``true`` /
``false``, dates ISO 8601, nothing is ``None``. :func:`csv_chunks` yields a large export piece by piece for
a streaming answer; :func:`csv_text` is the whole text of a small one."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _csv import Reader


def reader(text: str) -> Reader:
    """``csv.reader`` over ``text`` with the delimiter of its first line; ``line_num`` tells the line."""
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def records(text: str) -> Iterator[tuple[int, list[str]] | csv.Error]:
    """Each record with its line number (quoted line breaks counted), or the error that stopped the reading,
    as the last item: imports report every problem with the line it is on."""
    rows = reader(text)
    while True:
        try:
            fields = next(rows, None)
        except csv.Error as exc:
            yield exc
            return
        if fields is None:
            return
        yield rows.line_num, fields


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet takes for the start of a formula (OWASP: CSV injection)."""


def cell(value: Any) -> str:
    """A value as an export cell: text that would start a formula is quoted (``'=1+1``), booleans are
    ``true``/``false``, dates and times ISO 8601, ``None`` is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if isinstance(value, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, rows_per_chunk: int = 500
) -> Iterator[str]:
    """The CSV of ``header`` and ``rows`` (values made cells by :func:`cell`), a few hundred lines at a
    time: what a streaming answer sends, so an export's text is never whole in memory."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([cell(v) for v in row])
        if count % rows_per_chunk == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole CSV of a small export (see :func:`csv_chunks`)."""
    return "".join(csv_chunks(header, rows))


def csv_line(values: Sequence[Any]) -> bytes:
    """One CSV line (``\\r\\n``-terminated, UTF-8) of :func:`cell`s: a chunk of a streamed export."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([cell(v) for v in values])
    return out.getvalue().encode()
