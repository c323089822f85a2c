"""The HTTP providers: a Nominatim-compatible API (``/search``, ``/reverse``, ``format=jsonv2``) and a
Photon-compatible one (``/api``, ``/reverse``, GeoJSON answers), each turning the provider's JSON into
:class:`Hit` and refusing (502, ``bad_answer``) what is not the shape its API speaks."""

from __future__ import annotations

import math
from typing import Any, Protocol

from civicapi.places.geocoding.errors import GeocoderFailed
from civicapi.places.geocoding.results import Hit, label_of
from civicapi.places.geocoding.upstream import Upstream, get_json


class Geocoder(Protocol):
    """What the routes ask of any provider (``reverse`` answers at most one hit)."""

    name: str
    autocompletes: bool
    """False when the provider must not serve search-as-you-type (Nominatim's usage policy)."""

    async def forward(self, query: str, locale: str, limit: int) -> list[Hit]: ...

    async def reverse(self, latitude: float, longitude: float, locale: str) -> list[Hit]: ...

    async def autocomplete(self, prefix: str, locale: str, limit: int) -> list[Hit]: ...


def _garbage(what: str) -> GeocoderFailed:
    return GeocoderFailed(f"the geocoder's answer is not what its API speaks: {what}", reason="bad_answer")


def _coordinate(value: Any, bound: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _garbage(f"{value!r} is not a coordinate") from None
    if not math.isfinite(number) or abs(number) > bound:
        raise _garbage(f"{value!r} is not a coordinate")
    return number


def _text(value: Any, limit: int = 300) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str | int):
        raise _garbage(f"{value!r} is not text")
    return str(value)[:limit]


def _first(address: dict[str, Any], *keys: str) -> str | None:
    return next((text for key in keys if (text := _text(address.get(key))) is not None), None)


class Nominatim:
    """A Nominatim-compatible API. It serves no autocomplete: its policy forbids search-as-you-type."""

    name = "nominatim"
    autocompletes = False

    def __init__(self, upstream: Upstream, *, email: str | None = None) -> None:
        self.upstream = upstream
        self.email = email

    def _params(self, locale: str, **params: str) -> dict[str, str]:
        base = {"format": "jsonv2", "addressdetails": "1", "accept-language": locale, **params}
        if self.email:
            base["email"] = self.email
        return base

    @staticmethod
    def _hit(item: Any) -> Hit:
        if not isinstance(item, dict):
            raise _garbage("a result is not an object")
        address = item.get("address") or {}
        if not isinstance(address, dict):
            raise _garbage("`address` is not an object")
        street = _first(address, "road", "pedestrian", "footway", "square", "place")
        number = _first(address, "house_number")
        postcode = _first(address, "postcode")
        city = _first(address, "city", "town", "village", "municipality", "hamlet")
        return Hit.at(
            _coordinate(item.get("lat"), 90),
            _coordinate(item.get("lon"), 180),
            (street, number, postcode, city),
            label=_text(item.get("display_name")),
        )

    async def forward(self, query: str, locale: str, limit: int) -> list[Hit]:
        found = await get_json(self.upstream, "search", self._params(locale, q=query, limit=str(limit)))
        if not isinstance(found, list):
            raise _garbage("`/search` did not answer a list")
        return [self._hit(item) for item in found[:limit]]

    async def reverse(self, latitude: float, longitude: float, locale: str) -> list[Hit]:
        found = await get_json(
            self.upstream, "reverse", self._params(locale, lat=f"{latitude:.7f}", lon=f"{longitude:.7f}")
        )
        if isinstance(found, dict) and "error" in found:
            return []  # "Unable to geocode": nothing there
        return [self._hit(found)]

    async def autocomplete(self, prefix: str, locale: str, limit: int) -> list[Hit]:
        raise NotImplementedError("Nominatim's usage policy forbids autocomplete")


PHOTON_LANGUAGES = frozenset({"de", "en", "fr", "it"})
"""The languages a Photon server answers in (others get its default names)."""


class Photon:
    """A Photon-compatible API (search-as-you-type by design: autocomplete is a search)."""

    name = "photon"
    autocompletes = True

    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream

    @staticmethod
    def _params(locale: str, **params: str) -> dict[str, str]:
        return {**params, "lang": locale} if locale in PHOTON_LANGUAGES else params

    @staticmethod
    def _hits(found: Any, limit: int) -> list[Hit]:
        features = found.get("features") if isinstance(found, dict) else None
        if not isinstance(features, list):
            raise _garbage("not a GeoJSON FeatureCollection")
        return [Photon._hit(feature) for feature in features[:limit]]

    @staticmethod
    def _hit(feature: Any) -> Hit:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        properties = feature.get("properties") or {}
        if not isinstance(coordinates, list) or len(coordinates) < 2 or not isinstance(properties, dict):
            raise _garbage("a feature without a point or properties")
        name = _text(properties.get("name"))
        street = _text(properties.get("street")) or (name if properties.get("osm_key") == "highway" else None)
        number = _text(properties.get("housenumber"))
        postcode = _text(properties.get("postcode"))
        city = _text(properties.get("city"))
        label = label_of(street, number, postcode, city)
        if name and name != street:
            label = f"{name}, {label}" if label else name
        return Hit.at(
            _coordinate(coordinates[1], 90),
            _coordinate(coordinates[0], 180),
            (street, number, postcode, city),
            label=label,
        )

    async def forward(self, query: str, locale: str, limit: int) -> list[Hit]:
        found = await get_json(self.upstream, "api", self._params(locale, q=query, limit=str(limit)))
        return self._hits(found, limit)

    async def reverse(self, latitude: float, longitude: float, locale: str) -> list[Hit]:
        params = self._params(locale, lat=f"{latitude:.7f}", lon=f"{longitude:.7f}", limit="1")
        return self._hits(await get_json(self.upstream, "reverse", params), 1)

    async def autocomplete(self, prefix: str, locale: str, limit: int) -> list[Hit]:
        return await self.forward(prefix, locale, limit)
