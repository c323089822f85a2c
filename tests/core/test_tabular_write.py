"""Every export writes CSV the same way (``civicapi.core.tabular``): one cell rule against CSV injection,
booleans and dates spelled once, and large exports sent piece by piece with the same bytes as whole."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime

from civicapi.core import tabular


def test_text_a_spreadsheet_would_run_is_quoted_and_other_values_are_spelled_once() -> None:
    assert [tabular.cell(v) for v in ("=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "\rx")] == [
        "'=HYPERLINK(1)",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
    ]
    assert tabular.cell(-2) == "-2", "a negative number is a number, not a formula"
    assert tabular.cell(None) == ""
    assert (tabular.cell(True), tabular.cell(False)) == ("true", "false")
    assert tabular.cell(date(2027, 3, 4)) == "2027-03-04"
    assert tabular.cell(datetime(2027, 3, 4, 17, 30, tzinfo=UTC)) == "2027-03-04T17:30:00+00:00"
    some = uuid.uuid4()
    assert tabular.cell(some) == str(some)


def test_chunks_join_to_the_whole_text_which_reads_back() -> None:
    rows = [[i, f"=cmd{i}", i % 2 == 0, None, "ligne\navec retour"] for i in range(1234)]
    chunks = list(tabular.csv_chunks(["n", "text", "even", "none", "multi"], rows, rows_per_chunk=100))
    assert len(chunks) == 13
    whole = tabular.csv_text(["n", "text", "even", "none", "multi"], rows)
    assert "".join(chunks) == whole
    assert whole.startswith("n,text,even,none,multi\r\n")
    back = list(csv.reader(io.StringIO(whole, newline="")))
    assert back[0] == ["n", "text", "even", "none", "multi"]
    assert back[1] == ["0", "'=cmd0", "true", "", "ligne\navec retour"]
    assert len(back) == 1235


def test_an_empty_export_is_its_header() -> None:
    assert list(tabular.csv_chunks(["a", "b"], [])) == ["a,b\r\n"]
