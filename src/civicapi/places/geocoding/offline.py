"""The offline provider: the commune's own address list (``places_address``), searched without any
network. Forward search wants every word of the query; autocomplete takes the last word as the start of
one; reverse answers the nearest address within a few kilometres (a box around the point in SQL, then the
distances in Python, widening the box when it holds nothing near enough)."""

from __future__ import annotations

import math
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.places.geocoding import repository as repo
from civicapi.places.geocoding.results import Hit, fold
from civicapi.places.models import Address

REVERSE_RADII_METRES = (150.0, 1_500.0, 15_000.0)
"""The circles reverse looks in, one after the other, until one holds an address."""
REVERSE_CANDIDATES = 5_000
METRES_PER_DEGREE = 111_320.0
EARTH_RADIUS_METRES = 6_371_008.8


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(a)))


def box_around(latitude: float, longitude: float, metres: float) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` holding the circle of ``metres`` around the point."""
    dlat = metres / METRES_PER_DEGREE
    dlon = min(180.0, metres / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 1e-6)))
    return longitude - dlon, latitude - dlat, longitude + dlon, latitude + dlat


def hit(row: Address) -> Hit:
    return Hit.at(
        row.latitude, row.longitude, (row.street, row.house_number, row.postcode, row.city), label=row.label
    )


class Offline:
    """The commune's address list as a geocoder."""

    name = "offline"
    autocompletes = True

    def __init__(self, session: AsyncSession, commune_id: uuid.UUID) -> None:
        self.session = session
        self.commune_id = commune_id

    async def forward(self, query: str, locale: str, limit: int) -> list[Hit]:
        words = fold(query).split()
        if not words:
            return []
        rows = await repo.search_addresses(self.session, self.commune_id, words, None, limit)
        return [hit(row) for row in rows]

    async def autocomplete(self, prefix: str, locale: str, limit: int) -> list[Hit]:
        words = fold(prefix).split()
        if not words:
            return []
        complete = prefix[-1:].isspace()  # "rue de la " : every word is whole
        last = None if complete else words.pop()
        rows = await repo.search_addresses(self.session, self.commune_id, words, last, limit)
        return [hit(row) for row in rows]

    async def reverse(self, latitude: float, longitude: float, locale: str) -> list[Hit]:
        for radius in REVERSE_RADII_METRES:
            box = box_around(latitude, longitude, radius)
            rows = await repo.addresses_in_box(self.session, self.commune_id, box, REVERSE_CANDIDATES)
            near = [(distance_metres(latitude, longitude, r.latitude, r.longitude), r.label, r) for r in rows]
            near = [item for item in near if item[0] <= radius]
            if near:
                return [hit(min(near, key=lambda item: (item[0], item[1]))[2])]
        return []
