"""Builders for the registrations tests: a component with a meeting taking registrations on the platform,
people made in bulk (straight into the table, with their bearer tokens), and probes of counters and rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from civicapi.core.db.session import Database
from civicapi.identity.models import User
from civicapi.modules.agenda.models import Meeting, Registration
from tests.fixtures.factories import World, bearer
from tests.modules.agenda.helpers import Comp, insert_meeting, make_component


@dataclass
class Setup:
    comp: Comp
    meeting_id: uuid.UUID

    @property
    def url(self) -> str:
        return self.comp.meeting(self.meeting_id)

    @property
    def registrations(self) -> str:
        return f"{self.url}/registrations"

    @property
    def mine(self) -> str:
        return f"{self.url}/registrations/mine"


async def setup(
    client: httpx.AsyncClient,
    world: World,
    db: Database,
    *,
    settings: dict[str, Any] | None = None,
    step_settings: dict[str, Any] | None = None,
    **meeting: Any,
) -> Setup:
    """A published agenda component and a published meeting taking registrations on the platform."""
    slug = f"agenda-{uuid.uuid4().hex[:8]}"
    comp = await make_component(client, world, slug=slug, settings=settings, step_settings=step_settings)
    fields: dict[str, Any] = {"registration_mode": "on_platform", **meeting}
    return Setup(comp, await insert_meeting(db, comp, **fields))


async def people(db: Database, app: Any, count: int, prefix: str = "p") -> list[tuple[User, dict[str, str]]]:
    """``count`` accounts made in one unit of work (no password: fast), with their bearer headers."""
    async with db.unit_of_work() as session:
        users = [
            User(
                email=f"{prefix}{i}-{uuid.uuid4().hex[:6]}@people.test",
                display_name=f"{prefix}{i}",
                email_confirmed_at=datetime.now(UTC),
            )
            for i in range(count)
        ]
        session.add_all(users)
    return [(u, bearer(app, u)) for u in users]


async def meeting_row(db: Database, meeting_id: uuid.UUID) -> Meeting:
    async with db.unit_of_work() as session:
        found = await session.get(Meeting, meeting_id)
        assert found is not None
        return found


async def registrations(db: Database, meeting_id: uuid.UUID) -> list[Registration]:
    async with db.unit_of_work() as session:
        stmt = select(Registration).where(Registration.meeting_id == meeting_id).order_by(Registration.number)
        return list((await session.execute(stmt)).scalars())


async def assert_counts_match_rows(db: Database, meeting_id: uuid.UUID) -> Meeting:
    """The meeting's counters equal its rows: places taken, people waiting, people checked in."""
    meeting = await meeting_row(db, meeting_id)
    rows = await registrations(db, meeting_id)
    assert meeting.registrations_count == sum(r.status in ("registered", "offered") for r in rows)
    assert meeting.waiting_count == sum(r.status == "waiting" for r in rows)
    assert meeting.attendance_count == sum(r.checked_in_at is not None for r in rows)
    return meeting


async def user_count(db: Database) -> int:
    async with db.unit_of_work() as session:
        return int((await session.execute(select(func.count()).select_from(User))).scalar_one())
