"""Builders for the meetings tests: a meeting's body, creating (and publishing) one through HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.modules.agenda.models import Meeting, Registration
from tests.fixtures.factories import World
from tests.modules.agenda.helpers import Comp, soon


def meeting_body(**fields: Any) -> dict[str, Any]:
    """A valid in-person meeting a week from now (``fields`` override)."""
    start = soon()
    return {
        "title": {"fr": "Assemblée de quartier"},
        "description": {"fr": "Présentation des projets du budget participatif."},
        "start_at": start.isoformat(),
        "end_at": start.replace(hour=20).isoformat(),
        "meeting_type": "in_person",
        "address": "Place du Marché 1, 4000 Liège",
        **fields,
    }


async def create_meeting(
    client: httpx.AsyncClient,
    world: World,
    comp: Comp,
    who: str = "staff",
    *,
    publish: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    r = await client.post(comp.meetings, json=meeting_body(**fields), headers=world.headers(who))
    assert r.status_code == 201, r.text
    meeting: dict[str, Any] = r.json()
    if publish:
        r = await client.post(comp.meeting(meeting["id"]) + "/publish", headers=world.headers(who))
        assert r.status_code == 200, r.text
        meeting = r.json()
    return meeting


async def stored(db: Database, meeting_id: object) -> dict[str, Any]:
    """What the table holds of a meeting that the API does not show (sequence, search text)."""
    async with db.unit_of_work() as session:
        row = (
            await session.execute(
                select(Meeting.sequence, Meeting.search_text, Meeting.status).where(
                    Meeting.id == uuid.UUID(str(meeting_id))
                )
            )
        ).one()
    return {"sequence": row[0], "search_text": row[1], "status": row[2]}


async def actions(db: Database) -> list[str]:
    """The agenda's audit entries, oldest first."""
    async with db.unit_of_work() as session:
        rows = await session.execute(select(AuditEntry.action).order_by(AuditEntry.created_at))
        return [a for a in rows.scalars() if a.startswith("agenda.")]


async def register_as(db: Database, world: World, meeting_id: object, statuses: dict[str, str]) -> None:
    """Registrations of these people (name -> status), written straight into the table."""
    async with db.unit_of_work() as session:
        for number, (who, status) in enumerate(statuses.items(), start=1):
            session.add(
                Registration(
                    commune_id=world.alpha.id,
                    meeting_id=uuid.UUID(str(meeting_id)),
                    user_id=world.users[who].id,
                    status=status,
                    number=number,
                    code=uuid.uuid4().hex[:8].upper(),
                )
            )
