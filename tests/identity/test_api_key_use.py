"""A read with an API key stays a read: its last use is written afterwards, by a unit of work of its own."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import event

from civicapi.core.db.session import READONLY_OPTION, Database
from civicapi.identity.api_keys import key_uses
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
    listed = (await client.get("/v1/communes/alpha/api-keys", headers=admin)).json()
    assert listed[0]["last_used_at"] is not None
