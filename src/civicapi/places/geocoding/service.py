"""Geocoding use cases: which provider answers for a commune (the deployment's configuration alone
decides), the database cache of the HTTP providers' answers, and the district of a reversed point."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.config import GeocoderEndpoint, GeocoderKind, Settings
from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from civicapi.places.geocoding import repository as repo
from civicapi.places.geocoding.flight import GeocodingState
from civicapi.places.geocoding.offline import Offline
from civicapi.places.geocoding.providers import Geocoder, Nominatim, Photon
from civicapi.places.geocoding.results import Hit, fold
from civicapi.places.geocoding.upstream import Upstream
from civicapi.places.service_index import Located, locate

FORWARD, REVERSE, AUTOCOMPLETE = "forward", "reverse", "autocomplete"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asks: the commune (its slug picks a per-commune provider), the locale, the process's state."""

    session: AsyncSession
    db: Database
    """Where the providers' answers are kept: a unit of work of its own, as a GET's is read-only."""
    settings: Settings
    state: GeocodingState
    commune_id: uuid.UUID
    commune_slug: str
    locale: str


@dataclass(frozen=True, slots=True)
class Answer:
    provider: str
    hits: list[Hit]


def endpoint_for(settings: Settings, commune_slug: str) -> GeocoderEndpoint:
    """The commune's override (``geocoder_communes``), else the deployment's provider."""
    override = settings.geocoder_communes.get(commune_slug)
    if override is not None:
        return override
    return GeocoderEndpoint(provider=settings.geocoder, base_url=settings.geocoder_base_url)


def _http_provider(settings: Settings, endpoint: GeocoderEndpoint) -> Geocoder:
    assert endpoint.base_url is not None  # checked when the settings were read
    upstream = Upstream(
        base_url=endpoint.base_url,
        user_agent=settings.geocoder_user_agent,
        timeout_seconds=settings.geocoder_timeout_seconds,
        max_bytes=settings.geocoder_max_response_bytes,
    )
    if endpoint.provider is GeocoderKind.nominatim:
        return Nominatim(upstream, email=settings.geocoder_email)
    return Photon(upstream)


async def _ask(asker: Asker, kind: str, key: str, call: Callable[[Geocoder], Awaitable[list[Hit]]]) -> Answer:
    endpoint = endpoint_for(asker.settings, asker.commune_slug)
    offline = Offline(asker.session, asker.commune_id)
    if endpoint.provider is GeocoderKind.offline:
        return Answer(offline.name, await call(offline))
    provider = _http_provider(asker.settings, endpoint)
    if kind == AUTOCOMPLETE and not provider.autocompletes:
        return Answer(offline.name, await call(offline))  # Nominatim's policy: the commune's own list
    digest = hashlib.sha256(
        json.dumps([endpoint.provider.value, endpoint.base_url, kind, key, asker.locale]).encode()
    ).hexdigest()
    settings = asker.settings
    if (
        settings.geocoder_cache_seconds
        and (kept := await repo.cached(asker.session, digest, utcnow())) is not None
    ):
        return Answer(provider.name, [Hit.from_json(item) for item in kept])

    async def fetch() -> list[Hit]:
        assert endpoint.base_url is not None
        throttle = asker.state.throttle(endpoint.base_url, settings.geocoder_requests_per_second)
        await throttle.wait(settings.geocoder_timeout_seconds)
        hits = await call(provider)
        if settings.geocoder_cache_seconds:
            await _keep(asker, provider.name, kind, digest, hits)
        return hits

    hits, _fetched = await asker.state.flights.run(digest, fetch)
    return Answer(provider.name, hits)


async def _keep(asker: Asker, provider: str, kind: str, digest: str, hits: list[Hit]) -> None:
    """Keep the answer in the cache, committed before the identical questions waiting get it. A database
    that refuses is logged: the answer is still good."""
    now = utcnow()
    values = {
        "provider": provider,
        "kind": kind,
        "query_hash": digest,
        "locale": asker.locale,
        "result": [hit.to_json() for hit in hits],
        "expires_at": now + timedelta(seconds=asker.settings.geocoder_cache_seconds),
    }
    try:
        async with asker.db.unit_of_work() as session:
            await repo.keep(session, values, now)
    except SQLAlchemyError:
        log.warning("could not keep a geocoder's answer in the cache", exc_info=True)


async def forward(asker: Asker, query: str, limit: int) -> Answer:
    """The places matching ``query`` (at most ``limit``)."""
    return await _ask(
        asker, FORWARD, f"{fold(query)}|{limit}", lambda p: p.forward(query, asker.locale, limit)
    )


async def autocomplete(asker: Asker, prefix: str, limit: int) -> Answer:
    """Suggestions for what someone is typing (the last word may be unfinished)."""
    key = f"{fold(prefix)}{' ' if prefix[-1:].isspace() else ''}|{limit}"
    return await _ask(asker, AUTOCOMPLETE, key, lambda p: p.autocomplete(prefix, asker.locale, limit))


@dataclass(frozen=True, slots=True)
class Reversed:
    answer: Answer
    located: Located


async def reverse(asker: Asker, latitude: float, longitude: float) -> Reversed:
    """The address nearest the point, and the commune's district (and neighbourhood) holding it."""
    answer = await _ask(
        asker,
        REVERSE,
        f"{latitude:.5f},{longitude:.5f}",
        lambda p: p.reverse(latitude, longitude, asker.locale),
    )
    located = await locate(asker.session, asker.commune_id, longitude, latitude)
    return Reversed(answer, located)
