"""CSV read by every import (census, proposals, results): UTF-8 text whose delimiter is ``,`` or ``;``
(whichever the header line uses more), quoted fields, strict (a stray quote is an error, not a guess)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

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
