"""Builders for the agenda tests: a published process and a published agenda component through the HTTP
API, meetings, and database probes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.modules.agenda.models import MODELS, PUBLISHED, REGISTERED_STATUS, Meeting, Registration
from civicapi.spaces.models import Component
from tests.fixtures.factories import World
from tests.spaces.helpers import (
    DAY,
    assert_problem,
    brussels_today,
    create_component,
    create_phase,
    create_process,
)

__all__ = ["assert_problem"]


@dataclass
class Comp:
    commune: str
    process_id: str
    id: str

    @property
    def url(self) -> str:
        return f"/v1/communes/{self.commune}/agenda/components/{self.id}"

    @property
    def meetings(self) -> str:
        return f"{self.url}/meetings"

    def meeting(self, meeting_id: object) -> str:
        return f"{self.meetings}/{meeting_id}"

    @property
    def component_url(self) -> str:
        return f"/v1/communes/{self.commune}/processes/{self.process_id}/components/{self.id}"


def who_admin(commune: str) -> str:
    return "admin" if commune == "alpha" else "beta_admin"


async def enable_agenda(client: httpx.AsyncClient, world: World, commune: str = "alpha") -> None:
    r = await client.put(
        f"/v1/communes/{commune}/modules/agenda", json={}, headers=world.headers(who_admin(commune))
    )
    assert r.status_code == 200, r.text


async def make_component(
    client: httpx.AsyncClient,
    world: World,
    *,
    commune: str = "alpha",
    process_id: str | None = None,
    slug: str = "assemblies",
    publish: bool = True,
    settings: dict[str, Any] | None = None,
    step_settings: dict[str, Any] | None = None,
) -> Comp:
    """An agenda component (published, in a published process whose phase is active, unless ``publish`` is
    false), with the given component settings and settings of that phase."""
    who = who_admin(commune)
    await enable_agenda(client, world, commune)
    phase_id: str | None = None
    if process_id is None:
        process = await create_process(client, world, slug, commune=commune, who=who, publish=publish)
        today = brussels_today()
        phase = await create_phase(
            client, world, process["id"], today - DAY, today + 30 * DAY, commune=commune, who=who
        )
        process_id, phase_id = process["id"], phase["id"]
    fields: dict[str, Any] = {"module_key": "agenda", "name": {"fr": "Agenda"}}
    if settings is not None:
        fields["settings"] = settings
    if step_settings is not None:
        assert phase_id is not None, "step settings need the phase this helper creates"
        fields["step_settings"] = {phase_id: step_settings}
    component = await create_component(
        client, world, process_id, commune=commune, who=who, publish=publish, **fields
    )
    comp = Comp(commune=commune, process_id=process_id, id=component["id"])
    return comp


def soon(days: float = 7, hours: float = 18) -> datetime:
    """A time ``days`` from today at ``hours`` o'clock UTC (a meeting's start in the future)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days, hours=hours)


async def insert_meeting(db: Database, comp: Comp | str, **fields: Any) -> uuid.UUID:
    """A published in-person meeting of the component (a ``Comp`` or a component id) written straight into
    the table: a factory for tests of other use cases than creating meetings (which go through HTTP).
    ``fields`` override the defaults."""
    component_id = uuid.UUID(comp.id if isinstance(comp, Comp) else comp)
    async with db.unit_of_work() as session:
        component = await session.get(Component, component_id)
        assert component is not None
        start = fields.pop("start_at", soon())
        values: dict[str, Any] = {
            "component_id": component.id,
            "commune_id": component.commune_id,
            "status": PUBLISHED,
            "title": {"fr": "Assemblée de quartier"},
            "description": {"fr": "Présentation des projets du budget participatif."},
            "start_at": start,
            "end_at": fields.pop("end_at", start + timedelta(hours=2)),
            "meeting_type": "in_person",
            "address": "Place du Marché 1, 4000 Liège",
            "published_at": datetime.now(UTC),
            **fields,
        }
        meeting = Meeting(**values)
        session.add(meeting)
        await session.flush()
        return meeting.id


async def count_rows(db: Database) -> dict[str, int]:
    """Rows of every agenda table, and of the audit trail (to prove a refused write wrote nothing)."""
    async with db.unit_of_work() as session:
        out = {
            model.__tablename__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (*MODELS, AuditEntry)
        }
    return out


async def register(
    db: Database,
    world: World,
    meeting_id: uuid.UUID,
    who: str,
    *,
    status: str = REGISTERED_STATUS,
    number: int = 1,
) -> None:
    """A registration of ``who`` written straight into the table (for tests of other use cases)."""
    async with db.unit_of_work() as session:
        session.add(
            Registration(
                commune_id=world.alpha.id,
                meeting_id=meeting_id,
                user_id=world.users[who].id,
                status=status,
                number=number,
                code=uuid.uuid4().hex[:8].upper(),
                confirmed_at=datetime.now(UTC),
            )
        )
