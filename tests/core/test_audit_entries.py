"""Audit entries: one recorded through the unit of work and one inserted at once are the same entry, and
both go with the transaction they belong to."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from civicapi.core import audit
from civicapi.core.db.session import Database
from civicapi.core.links import ResourceRef
from tests.fixtures.factories import World

FIELDS = ("commune_id", "actor_type", "actor_id", "action", "resource_module", "resource_type", "resource_id")


async def test_record_now_writes_what_record_writes(db: Database, world: World) -> None:
    actor = audit.Actor(audit.ActorType.user, world.users["admin"].id)
    resource = ResourceRef("budgets", "voter", uuid.uuid4())
    entry = {
        "commune_id": world.alpha.id,
        "action": "budgets.voter.vote",
        "resource": resource,
        "changes": {"budget_id": uuid.uuid4(), "on": date(2026, 11, 22), "channel": "online"},
        "visibility": audit.Visibility.public,
    }
    async with db.unit_of_work() as session:
        audit.set_actor(session, actor)
        audit.record(session, **entry)
        await audit.record_now(session, **entry)
    async with db.unit_of_work() as session:
        stmt = select(audit.AuditEntry).where(audit.AuditEntry.resource_id == resource.id)
        rows = list((await session.execute(stmt)).scalars())
    assert len(rows) == 2
    first, second = rows
    assert first.id != second.id and first.created_at and second.created_at
    for field in (*FIELDS, "changes", "visibility"):
        assert getattr(first, field) == getattr(second, field), field
    assert second.actor_type == "user" and second.actor_id == actor.id and second.visibility == "public"
    assert second.changes["on"] == "2026-11-22" and second.changes["channel"] == "online"


async def test_record_now_is_undone_with_its_transaction(db: Database, world: World) -> None:
    resource = ResourceRef("x", "y", uuid.uuid4())
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            await audit.record_now(session, commune_id=world.alpha.id, action="x.y.z", resource=resource)
            raise RuntimeError("the change it describes failed")
    async with db.unit_of_work() as session:
        stmt = select(audit.AuditEntry).where(audit.AuditEntry.resource_id == resource.id)
        assert list((await session.execute(stmt)).scalars()) == []


async def test_forgetting_a_person_unlinks_their_entries_and_scrubs_only_their_data(
    db: Database, world: World
) -> None:
    person, admin = uuid.uuid4(), world.users["admin"].id
    about = ResourceRef("proposals", "proposal", uuid.uuid4())

    def entry(
        actor: uuid.UUID, changes: dict[str, object], resource: ResourceRef = about
    ) -> audit.AuditEntry:
        return audit.AuditEntry(
            **audit.entry_row(
                audit.Actor(audit.ActorType.user, actor),
                commune_id=world.alpha.id,
                action="proposals.proposal.update",
                resource=resource,
                changes=changes,
            )
        )

    async with db.unit_of_work() as session:
        session.add_all(
            [
                entry(person, {"title": [None, "Un banc"]}),
                entry(person, {"support": [None, "counted"]}),
                entry(admin, {"authors": [None, person.hex.upper()], "name": [None, " al "]}),
                entry(admin, {"note": [None, "ask AL@Example.org, then Alice"]}),
                entry(admin, {"title": [None, "Al fresco"], "by": [None, str(admin)]}),
                entry(admin, {"status": [None, "granted"]}, ResourceRef("identity", "user", person)),
            ]
        )
    async with db.unit_of_work() as session:
        changed = await audit.forget_person(session, person, addresses=["al@example.org"], names=["Al"])
    async with db.unit_of_work() as session:
        rows = list((await session.execute(select(audit.AuditEntry))).scalars())
    assert changed == 5
    by_person = [r for r in rows if r.actor_type == audit.ActorType.erased]
    assert [r.actor_id for r in by_person] == [None, None]
    assert sorted(r.changes["title" if "title" in r.changes else "support"][1] for r in by_person) == [
        "Un banc",
        "counted",
    ]
    changes = [r.changes for r in rows if r.actor_id == admin]
    assert {"authors": [None, "[erased]"], "name": [None, "[erased]"]} in changes
    assert {"note": [None, "ask [erased], then Alice"]} in changes  # the address, not the name inside words
    assert {"title": [None, "Al fresco"], "by": [None, str(admin)]} in changes  # not about the person
    assert [r.resource_id for r in rows if r.resource_type == "user"] == [None]
