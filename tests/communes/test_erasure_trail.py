"""Erasure leaves no trail: after a full participation (verification, proposal, support, vote, a mail) and
``DELETE /v1/me``, neither the database files (SQLite's main file and its WAL; every row on PostgreSQL)
nor the log name the person, and the audit entries they leave cannot be joined to each other."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicapi.core.audit import ActorType, AuditEntry
from civicapi.core.db.session import Database
from civicapi.identity.models import ApiKey, User
from civicapi.registry import Role
from tests.fixtures.factories import World, bearer, grant, make_user
from tests.identity.verification_helpers import ANNE, dump_database, upload_census, verify
from tests.modules.budgets import helpers as budgets
from tests.modules.proposals import helpers as proposals


def _forms(user_id: uuid.UUID) -> list[str]:
    return [str(user_id), user_id.hex, str(user_id).upper(), user_id.hex.upper()]


def _sqlite_files(database_url: str) -> bytes:
    path = Path(database_url.split("///", 1)[1])
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _log_text(records: list[logging.LogRecord]) -> str:
    """Every line the server logged, with its arguments and structured extras (the access log's fields);
    not the test's own HTTP client (httpx logs the URLs it requests)."""
    server = [r for r in records if not r.name.startswith(("httpx", "httpcore"))]
    return "\n".join(f"{r.getMessage()} {r.__dict__!r}" for r in server)


async def _participate(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, email: str, names: tuple[str, str]
) -> tuple[User, dict[str, str]]:
    person = await make_user(db, email, name=names[0])
    await grant(db, world.alpha, person, Role.participant)
    me = bearer(app, person)
    assert (await client.patch("/v1/me", json={"display_name": names[1]}, headers=me)).status_code == 200
    assert (await upload_census(client, world)).status_code == 200
    assert (await verify(client, me, ANNE)).status_code == 201

    ideas = await proposals.make_component(client, world)
    await proposals.create(client, ideas, me, title={"fr": "Un banc au parc"})
    # a co-author added and removed by someone else: the person's id in a path (the access log's)
    shared = await proposals.create(client, ideas, world.headers("staff"), publish=False)
    authors = ideas.proposal(shared["id"]) + "/authors"
    r = await client.post(authors, json={"user_id": str(person.id)}, headers=world.headers("staff"))
    assert r.status_code == 201, r.text
    r = await client.delete(f"{authors}/{person.id}", headers=world.headers("staff"))
    assert r.status_code == 204, r.text
    official = await proposals.create(client, ideas, world.headers("admin"), official=True)
    r = await client.post(ideas.proposal(official["id"]) + "/supports", headers=me)
    assert r.status_code == 201, r.text

    comp = await budgets.make_component(client, world)
    budget = await budgets.make_budget(client, world, comp)
    projects = await budgets.make_projects(client, world, comp, budget["id"], [40_000, 30_000])
    r = await client.post(
        comp.ballot(budget["id"]), json={"projects": [p["id"] for p in projects]}, headers=me
    )
    assert r.status_code == 201, r.text

    r = await client.post("/v1/auth/password/forgot", json={"email": email})
    assert r.status_code == 202, r.text
    assert any(mail.to == email for mail in app.state.mailer.outbox)
    return person, me


async def test_erasure_leaves_no_trail_in_the_database_files_or_the_log(
    client: httpx.AsyncClient,
    world: World,
    db: Database,
    app: Any,
    backend: str,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # what a server logs (the drivers' DEBUG lines carry every parameter)
    caplog.set_level(logging.DEBUG, logger="civicapi")
    tag = uuid.uuid4().hex[:12]
    email = f"trace-{tag}@alpha.test.org"
    names = (f"Zoë Trace {tag}", f"Zoé Autrement {tag}")
    person, me = await _participate(client, world, db, app, email, names)
    async with db.unit_of_work() as session:
        acted = await session.scalar(select(AuditEntry.id).where(AuditEntry.actor_id == person.id).limit(1))
    assert acted is not None  # the person's actions were audited under their id

    assert (await client.delete("/v1/me", headers=me)).status_code == 204

    # JSON columns escape non-ASCII characters on SQLite: "Zo\u00eb" is the name too
    secrets = [email, *names, *(json.dumps(n)[1:-1] for n in names), *_forms(person.id)]
    dump = await dump_database(db)
    for secret in secrets:
        assert secret not in dump, secret
    if backend == "sqlite":
        files = _sqlite_files(database_url).lower()
        for secret in secrets:
            assert secret.lower().encode() not in files, f"{secret} in the SQLite files"
        assert person.id.bytes not in files
    log = _log_text(caplog.records)
    assert email.split("@")[0] not in log  # the mail was logged, without its address
    for secret in secrets:
        assert secret not in log, (
            f"{secret} in the log: " + log[max(0, log.find(secret) - 300) : log.find(secret) + 100]
        )

    # What the person did stays audited, under no id: their entries cannot be joined to each other.
    async with db.unit_of_work() as session:
        entries = (await session.execute(select(AuditEntry))).scalars().all()
        known = set((await session.execute(select(User.id))).scalars()) | set(
            (await session.execute(select(ApiKey.id))).scalars()
        )
    erased = [e for e in entries if e.actor_type == ActorType.erased]
    actions = {e.action for e in erased}
    assert {"verification.granted", "proposals.proposal.support", "budgets.voter.vote"} <= actions, actions
    assert all(e.actor_id is None for e in erased)
    assert {e.actor_id for e in entries if e.actor_id is not None} <= known
