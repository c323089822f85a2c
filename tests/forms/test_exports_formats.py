"""Responses exported as CSV, JSON lines and XLSX through a module's route (both backends): one row per
response, test responses left out, pseudonymous respondents and no account data."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.forms import exports
from tests.fixtures.factories import World
from tests.forms.helpers import Built, every_type_questionnaire
from tests.forms.results_helpers import Given, in_order, seed_responses
from tests.forms.results_probe import probe_client
from tests.spaces.helpers import assert_problem

LABELS = {
    "use": ["walk", "sport", "other"],
    "wishes": ["trees", "benches", "lights"],
    "priorities": ["safety", "nature", "play"],
    "rating": ["bad", "fair", "good"],
    "times": ["morning", "noon", "evening"],
}


@pytest.fixture
async def probe(settings: Settings, db: Database, world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with probe_client(settings, db, world) as client:
        yield client


def _label(built: Built, name: str, option: uuid.UUID) -> str:
    return LABELS[name][built.options[name].index(option)]


def expected_row(built: Built, g: Given) -> list[Any]:
    """The export row of a seeded response, as Python values (choices as lists)."""
    a = g.answers

    def in_order(name: str, chosen: list[uuid.UUID]) -> list[str]:
        return [_label(built, name, o) for o in built.options[name] if o in chosen]

    times = a.get("times", {})
    return [
        str(g.respondent),
        g.submitted_at.isoformat(),
        a["name"],
        a.get("ideas"),
        [_label(built, "use", a["use"])],
        in_order("wishes", a["wishes"]),
        [_label(built, "priorities", o) for o in a["priorities"]] if "priorities" in a else None,
        *([_label(built, "rating", a["rating"][row])] for row in built.rows["rating"]),
        *(in_order("times", times[row]) if times.get(row) else None for row in built.rows["times"]),
        a.get("age"),
        a["visit"].isoformat() if "visit" in a else None,
        None,  # the conditional question, never answered here
    ]


HEADER = [
    "respondent",
    "submitted_at",
    "1. name",
    "2. ideas",
    "3. use",
    "4. wishes",
    "5. priorities",
    "6. rating / paths",
    "6. rating / toilets",
    "7. times / weekday",
    "7. times / weekend",
    "8. age",
    "9. visit",
    "10. conditional",
]


def as_csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(value)
    text = str(value)
    return "'" + text if text.startswith("=") else text


async def _seeded(db: Database, world: World) -> tuple[uuid.UUID, Built, list[Given]]:
    thing = uuid.uuid4()
    built = await in_order(
        db, await every_type_questionnaire(db, world.alpha.id, owner=("probe", "thing", thing))
    )
    given = await seed_responses(db, world.alpha.id, built, 12, user_id=world.users["participant"].id)
    await seed_responses(db, world.alpha.id, built, 2, seed=8, is_test=True)
    return thing, built, given


async def test_csv_export_in_batches(
    probe: httpx.AsyncClient, db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "BATCH", 5)  # three batches
    thing, built, given = await _seeded(db, world)
    url = f"/v1/communes/alpha/probe/things/{thing}/responses/export"
    assert_problem(await probe.get(url), 401)
    assert_problem(await probe.get(url, headers=world.headers("moderator")), 403)
    assert_problem(await probe.get(url, params={"format": "pdf"}, headers=world.headers("admin")), 422)
    other = f"/v1/communes/beta/probe/things/{thing}/responses/export"
    assert_problem(await probe.get(other, headers=world.headers("beta_admin")), 404)
    r = await probe.get(url, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == f'attachment; filename="responses-{thing}-v1.csv"'
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == HEADER
    assert rows[1:] == [[as_csv_cell(v) for v in expected_row(built, g)] for g in given]
    participant = world.users["participant"]
    assert str(participant.id) not in r.text and participant.email not in r.text


async def test_json_lines_and_xlsx_exports(probe: httpx.AsyncClient, db: Database, world: World) -> None:
    thing, built, given = await _seeded(db, world)
    url = f"/v1/communes/alpha/probe/things/{thing}/responses/export"
    h = world.headers("admin")
    r = await probe.get(url, params={"format": "jsonl"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert lines == [dict(zip(HEADER, expected_row(built, g), strict=True)) for g in given]
    assert str(world.users["participant"].id) not in r.text

    r = await probe.get(url, params={"format": "xlsx", "locale": "fr"}, headers=h)
    assert r.status_code == 200
    assert r.headers["content-disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(r.content), read_only=True)["responses"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert len(rows) == 1 + len(given)
    for row, g in zip(rows[1:], given, strict=True):
        want = [as_csv_cell(v) or None for v in expected_row(built, g)]
        got = [None if v is None else str(v) for v in row]
        got += [None] * (len(HEADER) - len(got))  # trailing empty cells are not stored
        # times as naive UTC, dates as datetimes, numbers as numbers: compare their text
        want[1] = g.submitted_at.replace(tzinfo=None).isoformat(sep=" ")
        if g.answers.get("visit"):
            want[12] = f"{g.answers['visit'].isoformat()} 00:00:00"
        assert got == want


async def test_an_empty_export_is_a_header(probe: httpx.AsyncClient, db: Database, world: World) -> None:
    thing = uuid.uuid4()
    await in_order(db, await every_type_questionnaire(db, world.alpha.id, owner=("probe", "thing", thing)))
    url = f"/v1/communes/alpha/probe/things/{thing}/responses/export"
    r = await probe.get(url, headers=world.headers("admin"))
    assert list(csv.reader(io.StringIO(r.text))) == [HEADER]
    r = await probe.get(url, params={"format": "jsonl"}, headers=world.headers("admin"))
    assert r.status_code == 200 and r.text == ""
