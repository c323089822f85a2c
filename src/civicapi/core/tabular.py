"""CSV read by every import (census, proposals, results): UTF-8 text whose delimiter is ``,`` or ``;``
(whichever the header line uses more), quoted fields, strict (a stray quote is an error, not a guess). And
CSV written by streaming exports: one line at a time, cells that a spreadsheet never runs as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
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


def cell(value: Any) -> str:
    """A value as a spreadsheet shows it, never as a formula (CSV injection): empty for None, ``true`` /
    ``false``, ISO 8601 times, lists joined by ``;``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(round(value, 4), "g")
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if isinstance(value, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_line(values: Sequence[Any]) -> bytes:
    """One CSV line (``\\r\\n``-terminated, UTF-8) of :func:`cell`s: a chunk of a streamed export."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([cell(v) for v in values])
    return out.getvalue().encode()
