"""The answers of a survey exported (the forms capability's streamed exports, mounted under the survey):
``surveys.export`` only, an audit entry per export (format and questionnaire version) recorded before
streaming, CSV, JSON lines and XLSX, and no account data even when the survey is not anonymous. Both
backends."""

from __future__ import annotations

import csv
import io
import json

import httpx
from openpyxl import load_workbook

from civicapi.core.db.session import Database
from civicapi.forms.service_submission import Answerer
from tests.fixtures.factories import World
from tests.forms.results_helpers import seed_responses
from tests.modules.surveys.helpers import assert_problem, count_rows
from tests.modules.surveys.results_helpers import audit_of, submit_other, survey_setup

EXPORT = "surveys.answers.export"


async def test_exports_need_the_permission_and_are_audited(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    setup = await survey_setup(client, world, db, results_published=True)
    await seed_responses(db, world.alpha.id, setup.survey.form, 7)
    await seed_responses(db, world.alpha.id, setup.survey.form, 2, seed=5, is_test=True)
    url = setup.url + "/responses/export"
    before = await count_rows(db)
    assert_problem(await client.get(url), 401)
    for who in ("participant", "moderator"):
        assert_problem(await client.get(url, headers=world.headers(who)), 403)
    assert_problem(await client.get(url, params={"format": "pdf"}, headers=world.headers("admin")), 422)
    assert_problem(await client.get(url, params={"version": 2}, headers=world.headers("admin")), 404)
    assert await count_rows(db) == before
    assert await audit_of(db, setup.survey.id, EXPORT) == []

    r = await client.get(url, headers=world.headers("staff"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert f"responses-{setup.survey.id}-v1.csv" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert len(rows) == 1 + 7 and rows[0][:2] == ["respondent", "submitted_at"]
    r = await client.get(url, params={"format": "jsonl", "version": 1}, headers=world.headers("admin"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/x-ndjson"
    assert len([json.loads(line) for line in r.text.splitlines()]) == 7
    r = await client.get(url, params={"format": "xlsx"}, headers=world.headers("admin"))
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
    assert sheet is not None and len(list(sheet.iter_rows(values_only=True))) == 1 + 7

    entries = await audit_of(db, setup.survey.id, EXPORT)
    assert [e.changes for e in entries] == [
        {"format": "csv", "version": 1},
        {"format": "jsonl", "version": 1},
        {"format": "xlsx", "version": 1},
    ]
    assert [e.actor_id for e in entries] == [
        world.users["staff"].id,
        world.users["admin"].id,
        world.users["admin"].id,
    ]
    assert {(e.resource_module, e.resource_type) for e in entries} == {("surveys", "survey")}
    assert {e.commune_id for e in entries} == {world.alpha.id}


async def test_the_export_of_a_named_survey_carries_no_account_data(
    client: httpx.AsyncClient, db: Database, world: World
) -> None:
    """The survey is not anonymous: its responses carry the person's account; the export shows only their
    pseudonymous respondent (and the free text they typed)."""
    setup = await survey_setup(client, world, db, anonymous=False)
    person = world.users["participant"]
    await seed_responses(db, world.alpha.id, setup.survey.form, 3, user_id=person.id)
    await submit_other(
        db, setup.survey, ["Pétanque"], answerer=Answerer(user_id=person.id, district="Centre")
    )
    url = setup.url + "/responses/export"
    secrets = {str(person.id), str(person.id).replace("-", ""), person.email, person.display_name}
    for fmt in ("csv", "jsonl", "xlsx"):
        r = await client.get(url, params={"format": fmt}, headers=world.headers("admin"))
        assert r.status_code == 200, r.text
        if fmt == "xlsx":
            sheet = load_workbook(io.BytesIO(r.content), read_only=True).active
            assert sheet is not None
            text = "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row)
        else:
            text = r.text
        assert "other: Pétanque" in text
        assert len([line for line in text.splitlines() if line]) >= 4
        for secret in secrets:
            assert secret not in text, (fmt, secret)
