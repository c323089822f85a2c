"""A read with an API key stays a read: its last use is written afterwards, by a unit of work of its own."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from civicapi.config import Settings
from civicapi.core.db.session import READONLY_OPTION, Database, create_engine
from civicapi.identity.api_keys import key_uses
from civicapi.main import create_app
from civicapi.registry import load_modules
from tests.fixtures.factories import World


def _statements(db: Database, seen: list[tuple[bool, str]]) -> Any:
    """Record every write statement sent to ``db``, with whether its connection was a read-only one."""

    def record(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            seen.append((bool(conn.get_execution_options().get(READONLY_OPTION)), statement))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    return record


async def test_a_read_with_a_key_writes_nothing_and_its_use_is_recorded_after(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    admin = world.headers("admin")
    created = await client.post(
        "/v1/communes/alpha/api-keys", json={"name": "portal", "scopes": ["read"]}, headers=admin
    )
    key = {"X-API-Key": created.json()["key"]}
    seen: list[tuple[bool, str]] = []
    record = _statements(db, seen)
    try:
        for _ in range(3):  # three reads within a minute: one use to write
            r = await client.get("/v1/communes/alpha/processes", headers=key)
            assert r.status_code == 200, r.text
        await key_uses(db).settled()
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    in_reads = [statement for readonly, statement in seen if readonly]
    assert in_reads == [], "the reads' read-only units of work wrote"
    key_writes = [s for _, s in seen if "identity_api_key" in s]
    assert len(key_writes) == 1, key_writes
    listed = (await client.get("/v1/communes/alpha/api-keys", headers=admin)).json()["items"]
    assert listed[0]["last_used_at"] is not None


async def test_reads_with_a_key_answer_while_another_process_writes(
    client: httpx.AsyncClient, world: World, db: Database, settings: Settings, backend: str
) -> None:
    """SQLite under write load: another process holds the write lock; a read with a key still answers at
    once (it used to wait for the lock to write its use, then fail as busy), and the use is written once
    the lock is free."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL has row locks: a read never waits for another writer")
    created = await client.post(
        "/v1/communes/alpha/api-keys",
        json={"name": "portal", "scopes": ["read"]},
        headers=world.headers("admin"),
    )
    key = {"X-API-Key": created.json()["key"]}
    writer = sqlite3.connect(str(settings.sqlite_path()), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process's transaction holds the write lock
        writer.execute("UPDATE communes_commune SET name = name")
        r = await asyncio.wait_for(client.get("/v1/communes/alpha/processes", headers=key), 5)
        assert r.status_code == 200, r.text
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    await key_uses(db).settled()
    listed = (await client.get("/v1/communes/alpha/api-keys", headers=world.headers("admin"))).json()["items"]
    assert listed[0]["last_used_at"] is not None


async def test_uses_noted_when_the_process_stops_are_written(
    client: httpx.AsyncClient, world: World, settings: Settings, database_url: str
) -> None:
    """A use is written a moment after the read; a process stopping meanwhile writes it before it goes."""
    created = await client.post(
        "/v1/communes/alpha/api-keys",
        json={"name": "portal", "scopes": ["read"]},
        headers=world.headers("admin"),
    )
    key = {"X-API-Key": created.json()["key"]}
    stopping = Database(create_engine(database_url))  # the lifespan disposes its database
    app = create_app(settings, registry=load_modules(None), database=stopping)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            assert (await c.get("/v1/communes/alpha/processes", headers=key)).status_code == 200
    listed = (await client.get("/v1/communes/alpha/api-keys", headers=world.headers("admin"))).json()["items"]
    assert listed[0]["last_used_at"] is not None
