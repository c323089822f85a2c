"""The demo's geolocated resources are in the places index after ``civicapi seed-demo``: proposals,
budget projects, meetings, and the results made from last year's funded projects (their points carried
over); seeding again writes nothing twice."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from civicapi.communes.models import Commune
from civicapi.config import Settings
from civicapi.demo import DEMO_SLUG, seed_demo
from civicapi.places.models import Place


async def _counts(db: Any) -> dict[tuple[str, str, bool], int]:
    async with db.unit_of_work() as session:
        stmt = (
            select(Place.module, Place.resource_type, Place.published, func.count())
            .join(Commune, Commune.id == Place.commune_id)
            .where(Commune.slug == DEMO_SLUG)
            .group_by(Place.module, Place.resource_type, Place.published)
        )
        return {(m, t, p): n for m, t, p, n in (await session.execute(stmt)).all()}


async def test_the_demo_is_on_the_map(settings: Settings, client: httpx.AsyncClient, db: Any) -> None:
    await seed_demo(settings)
    counts = await _counts(db)
    for module, rtype in (
        ("proposals", "proposal"),
        ("budgets", "project"),
        ("agenda", "meeting"),
        ("accountability", "result"),
    ):
        assert counts.get((module, rtype, True), 0) > 0, (module, rtype, counts)
    await seed_demo(settings)
    assert await _counts(db) == counts
