"""The Nominatim- and Photon-compatible providers against a real local server speaking their APIs: what
they answer, the district of a reversed point, and the guards (no redirect followed, size cap, timeout,
garbage, an error status, nobody listening) answering 502/504 problems, never a 500 or a hang."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from civicapi.config import Settings
from civicapi.core.db.session import Database
from tests.fixtures.factories import World
from tests.places.fake_geocoder import SLOW_SECONDS, FakeGeocoder, closed_port_url, serve
from tests.places.geocoding_helpers import geocoding_client
from tests.places.test_index import add_district

GEOCODE = "/v1/communes/alpha/places/geocode"
REVERSE = "/v1/communes/alpha/places/reverse"
AUTOCOMPLETE = "/v1/communes/alpha/places/autocomplete"


@pytest.fixture(scope="session")
def geocoder_server() -> Iterator[FakeGeocoder]:
    yield from serve()


@pytest.fixture
def fake(geocoder_server: FakeGeocoder) -> FakeGeocoder:
    geocoder_server.seen.hits.clear()
    geocoder_server.seen.params.clear()
    geocoder_server.seen.user_agents.clear()
    return geocoder_server


def nominatim(fake: FakeGeocoder, **more: Any) -> dict[str, Any]:
    return {"geocoder": "nominatim", "geocoder_base_url": fake.nominatim, **more}


def photon(fake: FakeGeocoder, **more: Any) -> dict[str, Any]:
    return {"geocoder": "photon", "geocoder_base_url": fake.photon, **more}


def problem(response: httpx.Response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["reason"] == reason


async def test_nominatim_search_answers_the_providers_places(
    settings: Settings, db: Database, world: World, fake: FakeGeocoder
) -> None:
    async with geocoding_client(settings, db, **nominatim(fake, geocoder_email="ops@example.org")) as client:
        r = await client.get(GEOCODE, params={"q": "Rue de la Station 12", "locale": "nl", "limit": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["provider"] == "nominatim"
    assert body["results"] == [
        {
            "label": "12, Rue de la Station, Luik, 4000, Belgique",
            "latitude": 50.6412,
            "longitude": 5.5662,
            "street": "Rue de la Station",
            "house_number": "12",
            "postcode": "4000",
            "city": "Luik",
            "kind": "address",
        }
    ]
    assert fake.seen.hits == {"/nominatim/search Rue de la Station 12": 1}
    sent = fake.seen.params[0]
    assert sent["format"] == "jsonv2" and sent["limit"] == "3" and sent["accept-language"] == "nl"
    assert sent["email"] == "ops@example.org"
    assert fake.seen.user_agents == [settings.geocoder_user_agent]


async def test_nominatim_reverse_answers_the_address_and_the_district(
    settings: Settings, db: Database, world: World, fake: FakeGeocoder
) -> None:
    await add_district(db, world.alpha.id, "centre", (5.55, 50.62, 5.60, 50.66))
    async with geocoding_client(settings, db, **nominatim(fake)) as client:
        r = await client.get(REVERSE, params={"lat": 50.641, "lon": 5.566})
        nothing = await client.get(REVERSE, params={"lat": -50.641, "lon": 5.566})
    assert r.status_code == 200, r.text
    assert r.json()["provider"] == "nominatim"
    assert r.json()["result"]["street"] == "Rue de la Station"
    assert r.json()["district"] == "centre" and r.json()["neighbourhood"] is None
    assert nothing.status_code == 200
    assert nothing.json() == {
        "provider": "nominatim",
        "result": None,
        "district": None,
        "neighbourhood": None,
    }
    assert fake.seen.total("/nominatim/reverse") == 2


async def test_nominatim_never_serves_autocomplete_the_commune_list_does(
    settings: Settings, db: Database, world: World, fake: FakeGeocoder
) -> None:
    async with geocoding_client(settings, db, **nominatim(fake)) as client:
        r = await client.get(AUTOCOMPLETE, params={"q": "rue de la sta"})
    assert r.status_code == 200
    assert r.json() == {"provider": "offline", "results": []}
    assert fake.seen.total() == 0  # its usage policy forbids search-as-you-type


async def test_photon_search_reverse_and_autocomplete(
    settings: Settings, db: Database, world: World, fake: FakeGeocoder
) -> None:
    async with geocoding_client(settings, db, **photon(fake)) as client:
        found = await client.get(GEOCODE, params={"q": "rue de la station 12", "locale": "fr"})
        typed = await client.get(AUTOCOMPLETE, params={"q": "rue de la sta"})
        near = await client.get(REVERSE, params={"lat": 50.6412, "lon": 5.5662, "locale": "nl"})
    assert found.status_code == 200, found.text
    expected = {
        "label": "Rue de la Station 12, 4000 Liège",
        "latitude": 50.6412,
        "longitude": 5.5662,
        "street": "Rue de la Station",
        "house_number": "12",
        "postcode": "4000",
        "city": "Liège",
        "kind": "address",
    }
    assert found.json() == {"provider": "photon", "results": [expected]}
    assert typed.json() == {"provider": "photon", "results": [expected]}
    assert near.json()["result"] == expected  # Photon speaks no Dutch: its default names
    assert fake.seen.total("/photon/api") == 2 and fake.seen.total("/photon/reverse") == 1
    assert "lang" not in fake.seen.params[2] and fake.seen.params[0]["lang"] == "fr"


@pytest.mark.parametrize(
    ("query", "status", "reason"),
    [
        ("redirect", 502, "redirect"),
        ("huge", 502, "too_large"),
        ("bulky", 502, "too_large"),
        ("garbage", 502, "bad_answer"),
        ("shape", 502, "bad_answer"),
        ("deep", 502, "bad_answer"),
        ("boom", 502, "bad_status"),
        ("slow", 504, "timeout"),
    ],
)
async def test_a_provider_misbehaving_is_a_502_or_504_problem(
    settings: Settings, db: Database, world: World, fake: FakeGeocoder, query: str, status: int, reason: str
) -> None:
    overrides = nominatim(fake, geocoder_timeout_seconds=0.5, geocoder_max_response_bytes=100_000)
    async with geocoding_client(settings, db, **overrides) as client:
        started = time.monotonic()
        r = await client.get(GEOCODE, params={"q": query})
    problem(r, status, reason)
    assert time.monotonic() - started < SLOW_SECONDS - 1  # never waits for the slow answer
    assert fake.seen.total("/elsewhere") == 0  # the redirect is not followed
    async with geocoding_client(settings, db, **overrides) as client:
        again = await client.get(GEOCODE, params={"q": query})
    problem(again, status, reason)  # a failure is not cached
    assert fake.seen.total("/nominatim/search") == 2


async def test_a_photon_answering_garbage_and_nobody_listening_are_502(
    settings: Settings, db: Database, world: World, fake: FakeGeocoder
) -> None:
    async with geocoding_client(settings, db, **photon(fake)) as client:
        problem(await client.get(GEOCODE, params={"q": "garbage"}), 502, "bad_answer")
        problem(await client.get(GEOCODE, params={"q": "shape"}), 502, "bad_answer")
    down = {"geocoder": "photon", "geocoder_base_url": closed_port_url()}
    async with geocoding_client(settings, db, **down) as client:
        problem(await client.get(GEOCODE, params={"q": "station"}), 502, "unreachable")
        problem(await client.get(REVERSE, params={"lat": 50.6, "lon": 5.5}), 502, "unreachable")


async def test_a_burst_of_identical_queries_sends_one_request(
    settings: Settings, db: Database, world: World, fake: FakeGeocoder
) -> None:
    import asyncio

    async with geocoding_client(settings, db, **nominatim(fake)) as client:
        answers = await asyncio.gather(
            *(client.get(GEOCODE, params={"q": "rue de la station"}) for _ in range(12))
        )
    assert {r.status_code for r in answers} == {200}
    assert len({r.text for r in answers}) == 1
    assert fake.seen.hits == {"/nominatim/search rue de la station": 1}
    # A failure is shared by those who waited for it, then forgotten.
    async with geocoding_client(settings, db, **nominatim(fake)) as client:
        failed = await asyncio.gather(*(client.get(GEOCODE, params={"q": "boom"}) for _ in range(8)))
        assert {(r.status_code, r.json()["reason"]) for r in failed} == {(502, "bad_status")}
        assert fake.seen.hits["/nominatim/search boom"] == 1
        await client.get(GEOCODE, params={"q": "boom"})
    assert fake.seen.hits["/nominatim/search boom"] == 2


async def test_answers_are_cached_in_the_database(
    settings: Settings, db: Database, world: World, fake: FakeGeocoder
) -> None:
    from sqlalchemy import func, select

    from civicapi.places.models import GeocodeCache

    async with geocoding_client(settings, db, **photon(fake)) as client:
        first = await client.get(GEOCODE, params={"q": "Rue de la Station"})
    # Another process (a new app): the answer comes from the database, the provider is not asked.
    async with geocoding_client(settings, db, **photon(fake)) as client:
        second = await client.get(GEOCODE, params={"q": "rue   de la STATION"})
        other_locale = await client.get(GEOCODE, params={"q": "rue de la station", "locale": "en"})
    assert first.json() == second.json()
    assert fake.seen.total("/photon/api") == 2  # the first, and the other locale
    assert other_locale.status_code == 200
    async with db.unit_of_work() as session:
        rows = (await session.execute(select(GeocodeCache))).scalars().all()
        assert {(r.provider, r.kind, r.locale) for r in rows} == {
            ("photon", "forward", "fr"),
            ("photon", "forward", "en"),
        }
        assert rows[0].expires_at > rows[0].created_at
    async with geocoding_client(settings, db, **photon(fake, geocoder_cache_seconds=0)) as client:
        await client.get(GEOCODE, params={"q": "Rue de la Station"})
    assert fake.seen.total("/photon/api") == 3  # without the cache, asked again
    async with db.unit_of_work() as session:
        assert (await session.execute(select(func.count()).select_from(GeocodeCache))).scalar_one() == 2


async def test_an_expired_answer_is_asked_again_and_swept(
    settings: Settings, db: Database, world: World, fake: FakeGeocoder
) -> None:
    from datetime import timedelta

    from sqlalchemy import select, update

    from civicapi.core.db.base import utcnow
    from civicapi.places.models import GeocodeCache

    async with geocoding_client(settings, db, **photon(fake)) as client:
        await client.get(GEOCODE, params={"q": "station"})
    async with db.unit_of_work() as session:
        await session.execute(update(GeocodeCache).values(expires_at=utcnow() - timedelta(seconds=1)))
    async with geocoding_client(settings, db, **photon(fake)) as client:
        assert len((await client.get(GEOCODE, params={"q": "station"})).json()["results"]) == 1
    assert fake.seen.total("/photon/api") == 2
    async with db.unit_of_work() as session:
        rows = (await session.execute(select(GeocodeCache))).scalars().all()
    assert len(rows) == 1 and rows[0].expires_at > utcnow()  # the expired one is gone


async def test_requests_to_the_provider_are_spaced_and_a_long_queue_is_refused(
    settings: Settings, db: Database, world: World, fake: FakeGeocoder
) -> None:
    async with geocoding_client(settings, db, **nominatim(fake, geocoder_requests_per_second=4)) as client:
        started = time.monotonic()
        for q in ("station a", "station b", "station c"):
            assert (await client.get(GEOCODE, params={"q": q})).status_code == 200
        assert time.monotonic() - started >= 0.5  # three requests, two intervals of 0.25 s
    slow = nominatim(fake, geocoder_requests_per_second=0.1, geocoder_timeout_seconds=1)
    async with geocoding_client(settings, db, **slow) as client:
        assert (await client.get(GEOCODE, params={"q": "station d"})).status_code == 200
        problem(await client.get(GEOCODE, params={"q": "station e"}), 504, "busy")
    assert fake.seen.total("/nominatim/search station e") == 0


async def test_a_commune_may_have_its_own_provider(
    settings: Settings, db: Database, world: World, fake: FakeGeocoder
) -> None:
    communes = {"alpha": {"provider": "photon", "base_url": fake.photon}}
    async with geocoding_client(settings, db, geocoder_communes=communes) as client:
        alpha = await client.get(GEOCODE, params={"q": "station"})
        beta = await client.get("/v1/communes/beta/places/geocode", params={"q": "station"})
    assert alpha.json()["provider"] == "photon" and len(alpha.json()["results"]) == 1
    assert beta.json() == {"provider": "offline", "results": []}
    assert fake.seen.total() == 1


async def test_geocoding_is_rate_limited_per_client_address(
    settings: Settings, db: Database, world: World
) -> None:
    async with geocoding_client(settings, db, rate_limit_geocoding="2/minute") as client:
        for _ in range(2):
            assert (await client.get(GEOCODE, params={"q": "station"})).status_code == 200
        r = await client.get(AUTOCOMPLETE, params={"q": "station"})
    assert r.status_code == 429 and "Retry-After" in r.headers


async def test_bad_questions_are_422_problems(settings: Settings, db: Database, world: World) -> None:
    async with geocoding_client(settings, db) as client:
        questions: list[tuple[str, dict[str, str | int]]] = [
            (REVERSE, {"lat": 91, "lon": 5}),
            (REVERSE, {"lat": 50, "lon": -181}),
            (GEOCODE, {"q": ""}),
            (GEOCODE, {"q": "x", "limit": 21}),
            (GEOCODE, {"q": "station", "locale": "de"}),
        ]
        for url, params in questions:
            r = await client.get(url, params=params)
            assert r.status_code == 422, (url, params, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        assert (await client.get("/v1/communes/nowhere/places/geocode", params={"q": "x"})).status_code == 404


def test_an_http_provider_needs_an_http_base_url() -> None:
    with pytest.raises(ValidationError):
        Settings(geocoder="nominatim")
    with pytest.raises(ValidationError):
        Settings(geocoder="photon", geocoder_base_url="file:///etc/passwd")
    with pytest.raises(ValidationError):
        Settings(geocoder_communes={"alpha": {"provider": "nominatim"}})
    assert Settings(geocoder="photon", geocoder_base_url="https://photon.example.org").geocoder == "photon"
