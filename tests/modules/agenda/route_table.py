"""The agenda module's route table: who may call each write operation, how to make the resources in its
paths, valid-enough requests, and the resources the tenancy check asks for through another commune.

Each use case keeps its entries in its own block (``# --- <use case> ---``)."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.testing import Authenticated, Ctx, People, RouteTable, register, tenancy_component
from tests.modules.agenda.helpers import insert_meeting


def _db(world: Any) -> Any:
    return world.app.state.db


async def _meeting(ctx: Ctx) -> str:
    """A published meeting of the kit's agenda component (registrations on the platform, 20 places)."""
    meeting_id = await insert_meeting(
        _db(ctx.world), ctx.ids["component_id"], registration_mode="on_platform", available_slots=20
    )
    return str(meeting_id)


async def _tenancy_meeting(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    """A published meeting of an agenda component of alpha's process (the module enabled in both communes)."""
    component = await tenancy_component(client, world, ids, "agenda", name={"fr": "Agenda"})
    ids["agenda_component"] = f"/v1/communes/alpha/agenda/components/{component}"
    meeting_id = await insert_meeting(
        _db(world), component, registration_mode="on_platform", available_slots=20
    )
    return str(meeting_id)


RULES: dict[str, Any] = {}
FACTORIES: dict[str, Any] = {"meeting_id": ((), _meeting)}
REQUESTS: dict[str, Any] = {}
TENANCY: dict[str, Any] = {"meeting_id": _tenancy_meeting}

# --- meetings ---

# --- registrations ---

# --- closing ---

# --- calendars ---
RULES["agenda_calendar_token_rotate"] = Authenticated()
RULES["agenda_calendar_token_revoke"] = Authenticated()

TABLE = register(
    RouteTable(key="agenda", rules=RULES, factories=FACTORIES, requests=REQUESTS, tenancy=TENANCY)
)
