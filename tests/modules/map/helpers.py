"""Builders for the map tests: processes and components written straight into the tables, places written
through the index's own write API (``places.service_index.put_place``), real accountability results for a
module that must be asked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from civicapi.communes.models import Commune
from civicapi.core.db.session import Database
from civicapi.modules.accountability.models import Result
from civicapi.places.service_index import PlaceFacts, PlaceRef, put_place
from civicapi.spaces.models import Component, ParticipatoryProcess
from tests.fixtures.factories import World, enable

NOW = datetime(2026, 3, 1, tzinfo=UTC)
LIEGE = (5.5797, 50.6451)


def url(commune: str = "alpha") -> str:
    return f"/v1/communes/{commune}/map"


async def enable_all(world: World, db: Database, *keys: str, commune: str = "alpha") -> None:
    target: Commune = getattr(world, commune)
    for key in ("map", *keys):
        await enable(db, world.app, target, key)


async def component(
    db: Database,
    commune: Commune,
    module: str = "proposals",
    *,
    published: bool = True,
    process_published: bool = True,
) -> uuid.UUID:
    async with db.unit_of_work() as session:
        process = ParticipatoryProcess(
            commune_id=commune.id,
            slug=f"p-{uuid.uuid4().hex[:8]}",
            title={"fr": "Budget participatif"},
            published_at=NOW if process_published else None,
        )
        session.add(process)
        await session.flush()
        row = Component(
            commune_id=commune.id,
            process_id=process.id,
            module_key=module,
            name={"fr": module},
            published_at=NOW if published else None,
        )
        session.add(row)
        await session.flush()
        return row.id


async def place(
    db: Database,
    commune: Commune,
    component_id: uuid.UUID | None,
    lon: float = LIEGE[0],
    lat: float = LIEGE[1],
    *,
    module: str = "proposals",
    type_: str = "proposal",
    resource_id: uuid.UUID | None = None,
    **facts: Any,
) -> uuid.UUID:
    """A place in the index (its resource's id)."""
    rid = resource_id or uuid.uuid4()
    facts.setdefault("title", {"fr": f"Lieu {rid.hex[:6]}"})
    async with db.unit_of_work() as session:
        await put_place(
            session,
            PlaceRef(commune.id, module, type_, rid),
            PlaceFacts(latitude=lat, longitude=lon, component_id=component_id, **facts),
        )
    return rid


async def result(db: Database, commune: Commune, component_id: uuid.UUID) -> uuid.UUID:
    """A real accountability result (its module says who sees it, and where it is served)."""
    async with db.unit_of_work() as session:
        row = Result(commune_id=commune.id, component_id=component_id, title={"fr": "Un potager"})
        session.add(row)
        await session.flush()
        return row.id


def ids(body: dict[str, Any]) -> set[str]:
    return {f["id"] for f in body["features"] if "id" in f}
