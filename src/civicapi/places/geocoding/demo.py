"""The demo commune's address list (invented streets around a Liège-like centre), so that geocoding
answers out of the box with the default offline provider."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.places.geocoding import repository as repo
from civicapi.places.geocoding.addresses import replace_addresses

DEMO_POSTCODE, DEMO_CITY = "4000", "Démo"
DEMO_STREETS = (
    # name, first point (lat, lon), step per house number (dlat, dlon), house numbers
    ("Rue de la Station", (50.6400, 5.5650), (0.00008, 0.00010), 24),
    ("Place du Marché", (50.6450, 5.5740), (0.00005, -0.00006), 12),
    ("Rue Saint-Léonard", (50.6480, 5.5830), (0.00006, 0.00014), 30),
    ("Quai des Tilleuls", (50.6350, 5.5780), (-0.00009, 0.00004), 20),
    ("Avenue des Écoles", (50.6290, 5.5600), (0.00010, 0.00011), 18),
    ("Chemin du Moulin", (50.6220, 5.5900), (0.00004, -0.00012), 10),
)


def demo_csv() -> bytes:
    lines = ["street;house_number;postcode;city;latitude;longitude"]
    for street, (lat, lon), (dlat, dlon), numbers in DEMO_STREETS:
        for n in range(1, numbers + 1):
            lines.append(
                f"{street};{n};{DEMO_POSTCODE};{DEMO_CITY};{lat + n * dlat:.6f};{lon + n * dlon:.6f}"
            )
    return ("\n".join(lines) + "\n").encode()


async def seed_demo_addresses(session: AsyncSession, commune_id: uuid.UUID) -> None:
    """Give the demo commune its address list, once."""
    if await repo.count_addresses(session, commune_id) == 0:
        await replace_addresses(session, commune_id, demo_csv())
