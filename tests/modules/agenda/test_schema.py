"""The agenda tables hold their own invariants, whatever a service forgets: a meeting ends after it
starts, reserved places never exceed the room, one registration per person and meeting, one arrival
number per meeting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from civicapi.core.db.session import Database
from civicapi.modules.agenda.models import REGISTERED_STATUS, Registration
from tests.fixtures.factories import World
from tests.modules.agenda.helpers import count_rows, insert_meeting, make_component, soon


@pytest.mark.parametrize(
    "fields",
    [
        {"start_at": soon(), "end_at": soon() - timedelta(minutes=1)},
        {"available_slots": 10, "reserved_slots": 11},
        {"meeting_type": "teleport"},
        {"registrations_open_at": soon(1), "registrations_close_at": soon(0)},
    ],
    ids=["ends_before_start", "reserved_over_available", "unknown_type", "window_reversed"],
)
async def test_the_meeting_table_refuses_what_no_meeting_can_be(
    client: httpx.AsyncClient, world: World, db: Database, fields: dict[str, Any]
) -> None:
    comp = await make_component(client, world)
    before = await count_rows(db)
    with pytest.raises(IntegrityError):
        await insert_meeting(db, comp, **fields)
    assert await count_rows(db) == before


async def test_one_registration_per_person_and_meeting(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    comp = await make_component(client, world)
    meeting_id = await insert_meeting(db, comp, registration_mode="on_platform", available_slots=5)

    def registration(number: int, code: str) -> Registration:
        return Registration(
            commune_id=world.alpha.id,
            meeting_id=meeting_id,
            user_id=world.users["participant"].id,
            status=REGISTERED_STATUS,
            number=number,
            code=code,
        )

    async with db.unit_of_work() as session:
        session.add(registration(1, "K7P2Q9"))
    with pytest.raises(IntegrityError):
        async with db.unit_of_work() as session:
            session.add(registration(2, "M3X8R4"))
