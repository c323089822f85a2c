"""The offline provider (the default): a commune's own address list, uploaded as CSV by an administrator
(or imported by the command), all or nothing, then searched without any network: accents and case folded,
a word's start for autocomplete, the nearest address for reverse. Another commune's list is never seen."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from civicapi import cli
from civicapi.config import Settings, get_settings
from civicapi.core.db.session import Database
from civicapi.places.geocoding.addresses import parse_addresses
from civicapi.places.geocoding.results import fold
from civicapi.places.models import Address
from tests.fixtures.factories import World
from tests.places.geocoding_helpers import geocoding_client
from tests.places.test_index import add_district

ADDRESSES = "/v1/communes/alpha/places/addresses"
CSV = {"Content-Type": "text/csv"}
ALPHA_LIST = """street;house_number;postcode;city;latitude;longitude;source_id
Rue Saint-Léonard;12;4000;Liège;50.6480;5.5830;a1
Rue Saint-Léonard;14;4000;Liège;50.6482;5.5834;a2
Rue Saint-Laurent;3;4000;Liège;50.6390;5.5610;a3
Place du Marché;1;4000;Liège;50.6455;5.5745;a4
Quai de la Boverie;;4020;Liège;50.6330;5.5800;a5
"""


async def _count(db: Database) -> int:
    async with db.unit_of_work() as session:
        return int((await session.execute(select(func.count()).select_from(Address))).scalar_one())


async def upload(client: httpx.AsyncClient, world: World, text: str, who: str = "admin") -> httpx.Response:
    return await client.put(ADDRESSES, content=text.encode(), headers={**CSV, **world.headers(who)})


def test_folding_drops_accents_case_and_punctuation() -> None:
    assert fold("  Rue Saint-LÉONARD, 12 ") == "rue saint leonard 12"
    assert fold("Straße") == "strasse"
    assert fold("Œuvre \u2011 d'Ève") == "oeuvre d eve"


async def test_an_admin_uploads_the_list_and_the_offline_geocoder_searches_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    r = await upload(client, world, ALPHA_LIST)
    assert r.status_code == 200, r.text
    assert r.json() == {"addresses": 5, "previous_addresses": 0}
    found = await client.get("/v1/communes/alpha/places/geocode", params={"q": "rue saint leonard 12 LIEGE"})
    assert found.status_code == 200
    assert found.json() == {
        "provider": "offline",
        "results": [
            {
                "label": "Rue Saint-Léonard 12, 4000 Liège",
                "latitude": 50.648,
                "longitude": 5.583,
                "street": "Rue Saint-Léonard",
                "house_number": "12",
                "postcode": "4000",
                "city": "Liège",
                "kind": "address",
            }
        ],
    }
    # Whole words for a search: "saint" alone matches both streets, "sain" none.
    both = await client.get("/v1/communes/alpha/places/geocode", params={"q": "Saint", "limit": 10})
    assert [h["label"] for h in both.json()["results"]] == [
        "Rue Saint-Laurent 3, 4000 Liège",
        "Rue Saint-Léonard 12, 4000 Liège",
        "Rue Saint-Léonard 14, 4000 Liège",
    ]
    partial = await client.get("/v1/communes/alpha/places/geocode", params={"q": "sain"})
    assert partial.json()["results"] == []
    quai = await client.get("/v1/communes/alpha/places/geocode", params={"q": "boverie"})
    assert quai.json()["results"][0]["kind"] == "street"


async def test_autocomplete_takes_the_last_word_as_unfinished(
    client: httpx.AsyncClient, world: World
) -> None:
    await upload(client, world, ALPHA_LIST)
    url = "/v1/communes/alpha/places/autocomplete"
    typed = await client.get(url, params={"q": "rue saint-lé"})
    assert [h["label"] for h in typed.json()["results"]] == [
        "Rue Saint-Léonard 12, 4000 Liège",
        "Rue Saint-Léonard 14, 4000 Liège",
    ]
    limited = await client.get(url, params={"q": "rue sai", "limit": 1})
    assert len(limited.json()["results"]) == 1
    whole = await client.get(url, params={"q": "rue sai "})  # a space: "sai" is a whole word
    assert whole.json()["results"] == []
    assert (await client.get(url, params={"q": "   "})).json()["results"] == []


async def test_reverse_answers_the_nearest_address_and_the_district(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await upload(client, world, ALPHA_LIST)
    await add_district(db, world.alpha.id, "centre", (5.55, 50.62, 5.60, 50.66))
    url = "/v1/communes/alpha/places/reverse"
    near = await client.get(url, params={"lat": 50.64815, "lon": 5.5833})
    assert near.status_code == 200
    assert near.json()["result"]["house_number"] == "14"
    assert near.json()["district"] == "centre" and near.json()["provider"] == "offline"
    # 1 km away from everything: the second circle finds it.
    farther = await client.get(url, params={"lat": 50.6300, "lon": 5.5950})
    assert farther.json()["result"]["street"] == "Quai de la Boverie"
    assert farther.json()["district"] == "centre"
    nowhere = await client.get(url, params={"lat": 10.0, "lon": 10.0})
    assert nowhere.json() == {"provider": "offline", "result": None, "district": None, "neighbourhood": None}


async def test_a_new_list_replaces_the_old_and_another_commune_never_sees_it(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await upload(client, world, ALPHA_LIST)
    r = await upload(client, world, "street,latitude,longitude\nRue Neuve,50.64,5.57\n")
    assert r.json() == {"addresses": 1, "previous_addresses": 5}
    assert (await client.get("/v1/communes/alpha/places/geocode", params={"q": "marche"})).json()[
        "results"
    ] == []
    assert (
        len((await client.get("/v1/communes/alpha/places/geocode", params={"q": "neuve"})).json()["results"])
        == 1
    )
    beta = await client.get("/v1/communes/beta/places/geocode", params={"q": "neuve"})
    assert beta.json() == {"provider": "offline", "results": []}
    beta_reverse = await client.get("/v1/communes/beta/places/reverse", params={"lat": 50.64, "lon": 5.57})
    assert beta_reverse.json()["result"] is None
    # beta's admin replaces beta's list, not alpha's
    r = await client.put(
        "/v1/communes/beta/places/addresses",
        content=b"street,latitude,longitude\n",
        headers={**CSV, **world.headers("beta_admin")},
    )
    assert r.json() == {"addresses": 0, "previous_addresses": 0}
    assert await _count(db) == 1


async def test_a_gzipped_list_is_accepted(client: httpx.AsyncClient, world: World) -> None:
    r = await client.put(
        ADDRESSES,
        content=gzip.compress(ALPHA_LIST.encode()),
        headers={**CSV, "Content-Encoding": "gzip", **world.headers("admin")},
    )
    assert r.status_code == 200 and r.json()["addresses"] == 5


async def test_bad_rows_are_reported_with_their_lines_and_nothing_is_written(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await upload(client, world, ALPHA_LIST)
    bad = (
        "street,house_number,latitude,longitude\n"
        "Rue A,1,50.6,5.5\n"
        ",2,50.6,5.5\n"
        "Rue B,3,95,5.5\n"
        "Rue C,4,50.6,east\n"
        "Rue A,1,50.61,5.51\n"
        "Rue D,5,50.6\n"
        f"{'x' * 201},6,50.6,5.5\n"
    )
    r = await upload(client, world, bad)
    assert r.status_code == 422
    body = r.json()
    assert body["reason"] == "invalid_addresses" and body["error_count"] == 6
    assert [(e["row"], e["code"]) for e in body["errors"]] == [
        (3, "missing_street"),
        (4, "out_of_range"),
        (5, "bad_coordinate"),
        (6, "duplicate_address"),
        (7, "wrong_field_count"),
        (8, "too_long"),
    ]
    assert body["errors"][1]["location"] == ["body", 4, "latitude"]
    assert await _count(db) == 5  # the former list is intact
    for text, code in [
        ("street,latitude\nRue A,50.6\n", "missing_column"),
        ("", "missing_header"),
        ('street,latitude,longitude\n"Rue A,50.6,5.5\n', "bad_csv"),
    ]:
        r = await upload(client, world, text)
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == code, (text, r.text)
    r = await client.put(ADDRESSES, content=b"\xff\xfe\x00", headers={**CSV, **world.headers("admin")})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "not_utf8"
    assert await _count(db) == 5


async def test_only_the_communes_administrators_upload_and_only_csv(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    assert (await upload(client, world, ALPHA_LIST, "anonymous")).status_code == 401
    for who in ("participant", "staff", "beta_admin"):
        assert (await upload(client, world, ALPHA_LIST, who)).status_code == 403, who
    r = await client.put(
        ADDRESSES,
        content=ALPHA_LIST.encode(),
        headers={"Content-Type": "application/json", **world.headers("admin")},
    )
    assert r.status_code == 415 and r.json()["accepted"] == ["text/csv"]
    r = await client.put(
        "/v1/communes/nowhere/places/addresses",
        content=ALPHA_LIST.encode(),
        headers={**CSV, **world.headers("admin")},
    )
    assert r.status_code == 404
    assert await _count(db) == 0


async def test_a_list_over_the_import_limit_is_413(settings: Settings, db: Database, world: World) -> None:
    big = "street,latitude,longitude\n" + "".join(f"Rue {n},50.6,5.5\n" for n in range(400))
    headers = {**CSV, **world.headers("admin")}
    async with geocoding_client(settings, db, max_import_bytes=4_096, max_body_bytes=1_024) as client:
        r = await client.put(ADDRESSES, content=big.encode(), headers=headers)
        assert r.status_code == 413
        packed = gzip.compress(big.encode())
        assert len(packed) < 4_096 < len(big)
        r = await client.put(ADDRESSES, content=packed, headers={**headers, "Content-Encoding": "gzip"})
        assert r.status_code == 413  # decompressed past the limit
    assert await _count(db) == 0


def test_the_parser_numbers_lines_of_the_file() -> None:
    parsed = parse_addresses(b'street,latitude,longitude\n"Rue\nLongue",50.6,5.5\nRue X,50.7,north\n')
    assert parsed.rows[0]["street"] == "Rue\nLongue"
    assert [(e["row"], e["code"]) for e in parsed.errors] == [(4, "bad_coordinate")]


async def test_the_command_imports_a_file(
    world: World,
    db: Database,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CIVICAPI_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
        good.write_text(ALPHA_LIST, encoding="utf-8")
        bad.write_text("street,latitude,longitude\nRue A,91,5\n", encoding="utf-8")
        assert await asyncio.to_thread(cli.main, ["places", "import-addresses", "alpha", str(good)]) == 0
        assert "5 address(es) imported for alpha" in capsys.readouterr().out
        assert await asyncio.to_thread(cli.main, ["places", "import-addresses", "alpha", str(bad)]) == 1
        assert "line 2 (latitude)" in capsys.readouterr().err
        assert await asyncio.to_thread(cli.main, ["places", "import-addresses", "nowhere", str(good)]) == 2
        assert (
            await asyncio.to_thread(cli.main, ["places", "import-addresses", "alpha", str(tmp_path / "no")])
            == 2
        )
    finally:
        get_settings.cache_clear()
    assert await _count(db) == 5


async def test_the_demo_commune_geocodes_out_of_the_box(
    settings: Settings, client: httpx.AsyncClient, db: Database
) -> None:
    from civicapi.demo import seed_demo

    await seed_demo(settings)
    r = await client.get("/v1/communes/demo/places/geocode", params={"q": "rue de la station 12"})
    assert r.status_code == 200
    assert r.json()["results"][0]["label"] == "Rue de la Station 12, 4000 Démo"
    typed = await client.get("/v1/communes/demo/places/autocomplete", params={"q": "avenue des eco"})
    assert len(typed.json()["results"]) == 5
