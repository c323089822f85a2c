"""The demo commune's districts: three invented shapes around the demo's resources in Liège (Centre, Nord
and Sud, the districts of the demo census, so a resident's verified district names the shape their
projects lie in) and one neighbourhood in the Centre. Seeded once (a commune with districts keeps them)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.places import repository_districts as repo
from civicapi.places.schemas_districts import DistrictCollection
from civicapi.places.service_districts import replace_areas

Ring = list[list[float]]


def _box(west: float, south: float, east: float, north: float) -> Ring:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


DEMO_AREAS: tuple[tuple[str, dict[str, str], str | None, Ring], ...] = (
    ("Centre", {"fr": "Centre", "nl": "Centrum", "en": "Centre"}, None, _box(5.555, 50.637, 5.600, 50.650)),
    (
        "Nord",
        {"fr": "Nord", "nl": "Noord", "en": "North"},
        None,
        [
            [5.555, 50.650],
            [5.600, 50.650],
            [5.612, 50.658],
            [5.605, 50.670],
            [5.555, 50.670],
            [5.555, 50.650],
        ],
    ),
    ("Sud", {"fr": "Sud", "nl": "Zuid", "en": "South"}, None, _box(5.555, 50.615, 5.600, 50.637)),
    (
        "Carre",
        {"fr": "Le Carré", "nl": "Het Carré", "en": "The Carré"},
        "Centre",
        _box(5.565, 50.640, 5.575, 50.645),
    ),
)
"""(code, name, parent, outer ring) of the demo's areas."""


async def seed_demo_districts(session: AsyncSession, commune: Commune) -> int:
    """Give the demo commune its districts unless it has some; answers how many were added."""
    if await repo.areas(session, commune.id):
        return 0
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {
                "code": code,
                "name": name,
                "kind": "neighbourhood" if parent else "district",
                "parent": parent,
            },
        }
        for code, name, parent, ring in DEMO_AREAS
    ]
    body = DistrictCollection.model_validate({"type": "FeatureCollection", "features": features})
    areas, _ = await replace_areas(session, commune, body)
    return len(areas)
