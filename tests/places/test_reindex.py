"""``civicapi places reindex``: the index rebuilt from the modules' ``places`` hooks: a lost row comes
back with the district of shapes uploaded since, a row no resource backs is removed, another commune's
rows are left alone; an unknown commune is said so. The loader refuses a hook that is not callable."""

from __future__ import annotations

import uuid
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import delete

from civicapi.cli import reindex_places
from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.modules.proposals import module as proposals_module
from civicapi.places.models import Place
from civicapi.places.service_index import PlaceFacts, PlaceRef, put_place
from civicapi.registry.loader import ModuleLoadError, build_registry
from tests.fixtures.factories import World
from tests.modules.proposals.helpers import create, make_component
from tests.places.integration_helpers import CENTRE, IN_CENTRE, place
from tests.places.test_index import add_district


async def test_reindex_rebuilds_a_communes_places(
    client: httpx.AsyncClient, world: World, db: Database, settings: Settings
) -> None:
    comp = await make_component(client, world, settings={"geolocation_enabled": True})
    proposal = await create(client, comp, world.headers("participant"), **IN_CENTRE)
    assert (await place(db, "proposals", "proposal", proposal["id"]) or {})["district"] is None
    await add_district(db, world.alpha.id, "centre", CENTRE)  # uploaded after the proposal was written
    ghost = PlaceRef(world.alpha.id, "proposals", "proposal", uuid.uuid4())
    beta_row = PlaceRef(world.beta.id, "proposals", "proposal", uuid.uuid4())
    async with db.unit_of_work() as session:
        await session.execute(delete(Place).where(Place.resource_id == uuid.UUID(proposal["id"])))
        await put_place(session, ghost, PlaceFacts(latitude=50.6, longitude=5.6))
        await put_place(session, beta_row, PlaceFacts(latitude=50.6, longitude=5.6))

    lines = await reindex_places(settings, "alpha")
    assert lines is not None and "alpha: proposals/proposal: 1 place(s) written, 1 removed" in lines
    row = await place(db, "proposals", "proposal", proposal["id"])
    assert row is not None and row["district"] == "centre" and row["published"] is True
    assert row["figures"] == {"supports": 0} and row["status"] == "published"
    assert await place(db, "proposals", "proposal", ghost.resource_id) is None
    assert await place(db, "proposals", "proposal", beta_row.resource_id) is not None

    assert await reindex_places(settings, "nowhere") is None
    everywhere = await reindex_places(settings, None)
    assert everywhere is not None and any(line.startswith("beta: proposals/proposal") for line in everywhere)
    assert await place(db, "proposals", "proposal", beta_row.resource_id) is None  # beta has no such proposal


def test_the_loader_refuses_a_places_hook_that_is_not_callable() -> None:
    broken = replace(
        proposals_module,
        resource_types=[replace(t, places="not a hook") for t in proposals_module.resource_types],  # type: ignore[arg-type]
    )
    with pytest.raises(ModuleLoadError, match="places is not callable"):
        build_registry([broken])
