"""HTTP routes of geocoding, under ``/v1/communes/{commune}/places``: search, reverse and autocomplete
(public, rate-limited per client address) and the upload of the commune's address list (administrators)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Query, Request

from civicapi.communes.dependencies import Caller, CurrentCommune, require
from civicapi.communes.models import Commune
from civicapi.core.deps import DatabaseDep, SessionDep, SettingsDep
from civicapi.core.errors import InvalidInput, problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.core.uploads import IMPORT_BODY_EXTRA, read_upload
from civicapi.identity.dependencies import ClientAddress, RateLimiterDep
from civicapi.identity.verification.errors import UnsupportedMediaType
from civicapi.places.geocoding import addresses, service
from civicapi.places.geocoding.flight import state_of
from civicapi.places.geocoding.schemas import (
    AddressesReplacedRead,
    GeocodeAnswerRead,
    GeocodeResultRead,
    ReverseAnswerRead,
)

router = GuardedRouter(prefix="/v1/communes/{commune}/places", tags=["places"])

MANAGE = "commune.manage"
GEOCODING_ERRORS = problem_responses(404, 422, 429, 502, 504)
Locale = Annotated[
    str | None,
    Query(max_length=8, description="Language of the answer (one of the commune's; default: its default)."),
]
Limit = Annotated[int, Query(ge=1, le=20, description="Results at most.")]
CSV_BODY = {
    "requestBody": {
        "required": True,
        "description": "UTF-8 CSV with a header line: `street,house_number,postcode,city,latitude,longitude` "
        "(`street`, `latitude`, `longitude` required; other columns ignored; `,` or `;`; gzip accepted).",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
    **IMPORT_BODY_EXTRA,
}


async def _asker(
    request: Request,
    commune: CurrentCommune,
    session: SessionDep,
    db: DatabaseDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
    client: ClientAddress,
    locale: Locale = None,
) -> service.Asker:
    """The caller counted against ``rate_limit_geocoding``, with the locale checked."""
    await limiter.hit("geocoding", settings.rate_limit_geocoding, client)
    return service.Asker(
        session=session,
        db=db,
        settings=settings,
        state=state_of(request.app.state),
        commune_id=commune.id,
        commune_slug=commune.slug,
        locale=_locale(commune, locale),
    )


def _locale(commune: Commune, locale: str | None) -> str:
    if locale is None:
        return commune.default_locale
    if locale not in commune.locales:
        raise InvalidInput(
            f"the commune speaks {', '.join(commune.locales)}",
            errors=[
                {"location": ["query", "locale"], "message": "not a locale of the commune", "code": "locale"}
            ],
        )
    return locale


AskerDep = Annotated[service.Asker, Depends(_asker)]


Search = Callable[[service.Asker, str, int], Awaitable[service.Answer]]


def _search_route(path: str, operation_id: str, summary: str, use_case: Search) -> None:
    """``GET {path}?q=&limit=&locale=``: a search answering the provider's results."""

    @router.get(path, operation_id=operation_id, summary=summary, responses=GEOCODING_ERRORS)
    async def search(
        asker: AskerDep, q: Annotated[str, Query(min_length=1, max_length=200)], limit: Limit = 5
    ) -> GeocodeAnswerRead:
        answer = await use_case(asker, q, limit)
        return GeocodeAnswerRead(
            provider=answer.provider, results=[GeocodeResultRead.of(h) for h in answer.hits]
        )


_search_route(
    "/geocode",
    "places_geocode",
    "Places matching a text (an address, a street, a place's name)",
    service.forward,
)
_search_route(
    "/autocomplete",
    "places_autocomplete",
    "Suggestions while someone types an address (the last word may be unfinished)",
    service.autocomplete,
)


@router.get(
    "/reverse",
    operation_id="places_reverse",
    summary="The address nearest a point, and the district holding it",
    responses=GEOCODING_ERRORS,
)
async def reverse(
    asker: AskerDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude (WGS84).")],
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude (WGS84).")],
) -> ReverseAnswerRead:
    found = await service.reverse(asker, lat, lon)
    hits = found.answer.hits
    return ReverseAnswerRead(
        provider=found.answer.provider,
        result=GeocodeResultRead.of(hits[0]) if hits else None,
        district=found.located.district,
        neighbourhood=found.located.neighbourhood,
    )


@router.put(
    "/addresses",
    operation_id="places_addresses_replace",
    summary="Replace the commune's address list (CSV, all or nothing), which the offline geocoder searches",
    openapi_extra=CSV_BODY,
    responses=problem_responses(401, 403, 404, 413, 415, 422),
)
async def replace_addresses(
    request: Request,
    caller: Annotated[Caller, Depends(require(MANAGE))],
    session: SessionDep,
    settings: SettingsDep,
) -> AddressesReplacedRead:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "text/csv":
        raise UnsupportedMediaType("send the address list as text/csv", accepted=["text/csv"])
    data = await read_upload(request, max_bytes=settings.max_import_bytes)
    done = await addresses.replace_addresses(session, caller.commune.id, data)
    return AddressesReplacedRead(addresses=done.addresses, previous_addresses=done.previous_addresses)
