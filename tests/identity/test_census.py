"""The census: replaced whole from a CSV, all or nothing, stored hashed; residents verify against it."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy import func, select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.identity.verification.census import parse_census
from civicapi.identity.verification.hashing import normalize_identifier
from civicapi.identity.verification.models import CensusEntry
from tests.fixtures.factories import World
from tests.identity.verification_helpers import (
    ANNE,
    BRUNO,
    CENSUS_ROWS,
    census_csv,
    dump_database,
    upload_census,
    verify,
)


async def _census_size(db: Database) -> int:
    async with db.unit_of_work() as session:
        return int((await session.execute(select(func.count()).select_from(CensusEntry))).scalar_one())


async def test_upload_replaces_the_census(client: httpx.AsyncClient, world: World, db: Database) -> None:
    r = await upload_census(client, world)
    assert r.status_code == 200, r.text
    assert r.json() == {"entries": 3, "previous_entries": 0}
    r = await upload_census(client, world, census_csv(CENSUS_ROWS[:2], delimiter=","))
    assert r.status_code == 200, r.text
    assert r.json() == {"entries": 2, "previous_entries": 3}
    assert await _census_size(db) == 2
    async with db.unit_of_work() as session:
        actions = (await session.execute(select(AuditEntry.action, AuditEntry.actor_id))).all()
    assert ("census.replaced", world.users["admin"].id) in actions


async def test_upload_accepts_a_bom_and_optional_columns(client: httpx.AsyncClient, world: World) -> None:
    body = "\ufeffIdentifier,Birth_Date\r\n85073003361,1985-07-30\r\n\r\n".encode()
    r = await upload_census(client, world, body)
    assert r.status_code == 200, r.text
    assert r.json()["entries"] == 1
    r = await verify(client, world.headers("participant"))
    assert r.status_code == 201, r.text
    assert r.json()["metadata"] == {"district": None, "postal_code": None, "birth_year": 1985}


async def test_a_bad_upload_changes_nothing_and_lists_every_bad_row(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    assert (await upload_census(client, world)).status_code == 200
    bad = census_csv(
        [
            ("11.11.11-111.11", "1971-02-30", "Centre", "4000"),  # row 2: no such day
            ("", "1980-01-01", "Centre", "4000"),  # row 3: no identifier
            ("22.22.22-222.22", "01/01/1980", "Centre", "4000"),  # row 4: not ISO
            ("33.33.33-333.33", "1980-01-01", "Centre", "4000"),  # row 5: fine
            ("33333333333", "1981-01-01", "Centre", "4000"),  # row 6: same identifier as row 5
            ("44.44.44-444.44", "2999-01-01", "Centre", "4000"),  # row 7: in the future
        ]
    )
    r = await upload_census(client, world, bad)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["reason"] == "invalid_census" and problem["error_count"] == 5
    found = {(e["row"], e["code"]) for e in problem["errors"]}
    assert found == {
        (2, "bad_date"),
        (3, "missing_identifier"),
        (4, "bad_date"),
        (6, "duplicate_identifier"),
        (7, "bad_date"),
    }
    assert all(e["location"][:2] == ["body", e["row"]] for e in problem["errors"])
    assert "row 5" in next(e["message"] for e in problem["errors"] if e["row"] == 6)
    # the previous census is intact
    assert await _census_size(db) == 3
    assert (await verify(client, world.headers("participant"), BRUNO)).status_code == 201


async def test_header_and_encoding_problems(client: httpx.AsyncClient, world: World) -> None:
    cases: dict[bytes, str] = {
        b"": "missing_header",
        b"identifier;birthdate\n1;1980-01-01\n": "unknown_column",
        b"identifier,district\n1,Centre\n": "missing_column",
        "identifier;birth_date\n1;1980-01-01\n".encode("utf-16"): "not_utf8",
        b"identifier;birth_date\n1;1980-01-01;extra\n": "wrong_field_count",
    }
    for body, code in cases.items():
        r = await upload_census(client, world, body)
        assert r.status_code == 422, (body, r.text)
        assert code in {e["code"] for e in r.json()["errors"]}, (body, r.json())


async def test_upload_needs_csv_and_the_admin(client: httpx.AsyncClient, world: World) -> None:
    r = await client.put("/v1/communes/alpha/census", json={"rows": []}, headers=world.headers("admin"))
    assert r.status_code == 415 and r.json()["accepted"] == ["text/csv"]
    for who, code in (("anonymous", 401), ("staff", 403), ("participant", 403), ("beta_admin", 403)):
        assert (await upload_census(client, world, who=who)).status_code == code, who
    assert (await upload_census(client, world, who="platform")).status_code == 200
    assert (await upload_census(client, world, commune="nowhere")).status_code == 404


async def test_identifiers_and_birth_dates_are_never_stored_in_clear(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    assert (await upload_census(client, world)).status_code == 200
    assert (await verify(client, world.headers("participant"), ANNE)).status_code == 201
    r = await client.post(
        "/v1/communes/alpha/verifications/desk",
        json={"email": "nobody@test.org", "identifier": "EM 1234567"},
        headers=world.headers("staff"),
    )
    assert r.status_code == 201, r.text
    dump = await dump_database(db)
    assert "Outremeuse" in dump  # the dump does see the tables
    for identifier, birth_date in [row[:2] for row in CENSUS_ROWS]:
        y, m, d = birth_date.split("-")
        for secret in (
            identifier,
            normalize_identifier(identifier),
            birth_date,
            f"{d}/{m}/{y}",
            f"{y}{m}{d}",
        ):
            assert secret not in dump, secret
    assert "EM 1234567" not in dump and "EM1234567" not in dump


async def test_census_verification(client: httpx.AsyncClient, world: World) -> None:
    assert (await upload_census(client, world)).status_code == 200
    r = await verify(client, world.headers("participant"), ("85073003361", ANNE[1]))
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/v1/communes/alpha/verifications/{body['id']}"
    assert body["handler"] == "census" and body["status"] == "granted" and not body["expired"]
    assert body["metadata"] == {"district": "Outremeuse", "postal_code": "4020", "birth_year": 1985}
    assert body["user_id"] == str(world.users["participant"].id) and body["expires_at"] is None
    assert "identity_key" not in body
    mine = await client.get("/v1/communes/alpha/me/verifications", headers=world.headers("participant"))
    assert [v["id"] for v in mine.json()["items"]] == [body["id"]]
    assert (
        await client.get("/v1/communes/beta/me/verifications", headers=world.headers("participant"))
    ).json()["items"] == []
    assert (await client.get("/v1/communes/alpha/me/verifications")).status_code == 401


async def test_mismatch_answers_the_same_for_unknown_identifier_and_wrong_date(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    assert (await upload_census(client, world)).status_code == 200
    h = world.headers("participant")
    wrong_date = await verify(client, h, (ANNE[0], "1985-07-31"))
    unknown = await verify(client, h, ("99.99.99-999.99", ANNE[1]))
    assert wrong_date.status_code == unknown.status_code == 422
    assert wrong_date.json() == unknown.json()
    assert wrong_date.json()["reason"] == "census_mismatch"
    assert wrong_date.json()["type"] == "/problems/verification-failed"
    assert (await verify(client, {}, ANNE)).status_code == 401
    # the census of alpha verifies nobody in beta
    r = await verify(client, world.headers("beta_admin"), ANNE, commune="beta")
    assert r.status_code == 422 and r.json()["reason"] == "census_mismatch"
    bad = await client.post(
        "/v1/communes/alpha/verifications/census", json={"identifier": ANNE[0]}, headers=h
    )
    assert bad.status_code == 422


async def test_a_user_holds_one_census_verification(client: httpx.AsyncClient, world: World) -> None:
    assert (await upload_census(client, world)).status_code == 200
    h = world.headers("participant")
    assert (await verify(client, h, ANNE)).status_code == 201
    again = await verify(client, h, BRUNO)
    assert again.status_code == 409 and again.json()["reason"] == "already_verified"
    same = await verify(client, h, ANNE)
    assert same.status_code == 409 and same.json()["reason"] == "already_verified"


def test_parse_census_reports_rows_as_file_lines() -> None:
    parsed = parse_census(
        b'identifier,birth_date,district\n"1,2",1980-01-01,"Centre, nord"\n3,1980-13-01,Centre\n',
        today=date(2026, 1, 1),
    )
    assert [r.identifier for r in parsed.rows] == ["1,2"]
    assert parsed.rows[0].district == "Centre, nord"
    assert [(e["row"], e["code"]) for e in parsed.errors] == [(3, "bad_date")]
