"""The agenda module's route table: who may call each write operation, how to make the resources in its
paths, valid-enough requests, and the resources the tenancy check asks for through another commune.

Each use case keeps its entries in its own block (``# --- <use case> ---``)."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.modules.agenda import permissions
from civicapi.testing import Ctx, Owner, People, RouteTable, json_body, register, tenancy_component
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
# The path's meeting is the commune's own (no author), not yet started: who may close it is let through
# to a 409 ``not_started``; the others get the module's 403 ``not_the_author`` (authors: test_closing.py).
RULES["agenda_closing_put"] = Owner(
    permissions.MANAGE, owner="(no author)", problem="agenda-action-forbidden"
)
REQUESTS["agenda_closing_put"] = json_body({"minutes": {"fr": "Procès-verbal"}})

# --- calendars ---

TABLE = register(
    RouteTable(key="agenda", rules=RULES, factories=FACTORIES, requests=REQUESTS, tenancy=TENANCY)
)
