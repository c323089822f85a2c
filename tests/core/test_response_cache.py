"""The shared response cache: anonymous public reads are answered from memory, a write through the process
is visible at once, a write made elsewhere within the configured seconds, and nothing personal is shared."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select, update

from civicapi.communes.models import Commune
from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.main import create_app
from civicapi.registry import load_modules
from tests.core.conftest import rename_elsewhere
from tests.fixtures.factories import World, build_world, make_commune
from tests.spaces.helpers import create_process, processes_url

ALPHA = "/v1/communes/alpha"


@pytest.fixture
async def cached(settings: Settings, db: Database) -> AsyncIterator[tuple[Any, httpx.AsyncClient, World]]:
    """An app whose caches (answers, and the commune rows behind them) keep entries one second, its client
    and the usual world."""
    fast = settings.model_copy(update={"response_cache_seconds": 1, "row_cache_seconds": 1})
    app = create_app(fast, registry=load_modules(None), database=db)
    world = await build_world(db, app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield app, client, world


async def test_anonymous_reads_are_public_and_served_from_memory_until_they_expire(
    cached: tuple[Any, httpx.AsyncClient, World], elsewhere: Database
) -> None:
    _, client, _ = cached
    first = await client.get(ALPHA)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=1"
    assert first.headers["vary"] == "Authorization, X-API-Key, Cookie, Accept-Language"
    await rename_elsewhere(elsewhere, "Renamed elsewhere")
    again = await client.get(ALPHA)
    assert again.json()["name"] == first.json()["name"], "a hit within max-age answers the kept bytes"
    assert again.headers.get_list("x-request-id") != first.headers.get_list("x-request-id")
    for name in ("x-request-id", "x-content-type-options", "cache-control", "content-length"):
        assert len(again.headers.get_list(name)) == 1, f"{name}: one, the request's own"
    assert [k for k, _ in again.headers.raw] == [k for k, _ in first.headers.raw], "the same headers"
    await asyncio.sleep(1.1)
    assert (await client.get(ALPHA)).json()["name"] == "Renamed elsewhere", "expired entries are re-read"


async def test_a_write_through_the_process_is_visible_to_the_next_read(
    cached: tuple[Any, httpx.AsyncClient, World],
) -> None:
    _, client, world = cached
    assert (await client.get(ALPHA)).status_code == 200
    r = await client.patch(ALPHA, json={"name": "Alpha-sur-Meuse"}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    assert (await client.get(ALPHA)).json()["name"] == "Alpha-sur-Meuse"


async def test_what_a_caller_with_rights_sees_is_never_shared(
    cached: tuple[Any, httpx.AsyncClient, World],
) -> None:
    _, client, world = cached
    await create_process(client, world, "hidden-draft")  # unpublished: administrators only
    admin_view = await client.get(processes_url(), headers=world.headers("admin"))
    assert [p["slug"] for p in admin_view.json()["items"]] == ["hidden-draft"]
    assert "public" not in admin_view.headers.get("cache-control", "")
    assert (await client.get(processes_url())).json()["items"] == []
    # ... and the anonymous answer now kept is not what an administrator gets either.
    again = await client.get(processes_url(), headers=world.headers("admin"))
    assert [p["slug"] for p in again.json()["items"]] == ["hidden-draft"]


async def test_errors_are_not_kept(cached: tuple[Any, httpx.AsyncClient, World], elsewhere: Database) -> None:
    _, client, _ = cached
    assert (await client.get("/v1/communes/gamma")).status_code == 404
    await make_commune(elsewhere, "gamma")
    assert (await client.get("/v1/communes/gamma")).status_code == 200


async def test_the_cache_can_be_turned_off(settings: Settings, db: Database, elsewhere: Database) -> None:
    off = settings.model_copy(update={"response_cache_seconds": 0, "row_cache_seconds": 0})
    app = create_app(off, registry=load_modules(None), database=db)
    await build_world(db, app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        first = await client.get(ALPHA)
        assert first.headers["cache-control"] == "no-store"  # not marked public: the default
        await rename_elsewhere(elsewhere, "Seen at once")
        assert (await client.get(ALPHA)).json()["name"] == "Seen at once"


async def test_the_language_asked_for_is_part_of_the_key(
    cached: tuple[Any, httpx.AsyncClient, World], elsewhere: Database
) -> None:
    app, client, _ = cached
    await client.get(ALPHA, headers={"Accept-Language": "fr"})
    await rename_elsewhere(elsewhere, "Other language, other entry")
    app.state.db.row_memo.clear()  # the commune row behind the page, kept for a second too
    assert (await client.get(ALPHA, headers={"Accept-Language": "nl"})).json()["name"] == (
        "Other language, other entry"
    )


async def test_the_write_generation_moves_on_writes_outside_quiet_tables(db: Database) -> None:
    db.quiet_tables = {"core_audit_entry"}
    before = db.generation
    async with db.unit_of_work(readonly=True) as session:
        await session.execute(select(Commune))
    async with db.unit_of_work() as session:
        pass
    assert db.generation == before, "reading, or a unit of work that writes nothing, keeps cached pages"
    await make_commune(db, "delta")
    assert db.generation > before
    moved = db.generation
    async with db.unit_of_work() as session:
        await session.execute(update(Commune).where(Commune.slug == "delta").values(name="Delta"))
    assert db.generation > moved, "a bulk UPDATE counts too"
    moved = db.generation
    db.quiet_tables = {"core_audit_entry", "communes_commune"}
    async with db.unit_of_work() as session:
        await session.execute(update(Commune).where(Commune.slug == "delta").values(name="Quiet"))
    assert db.generation == moved, "writes to quiet tables only leave public pages valid"
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            await session.execute(update(Commune).values(name="Rolled back"))
            db.quiet_tables = set()
            raise RuntimeError
    assert db.generation == moved, "a rollback changes nothing"


def test_a_module_may_only_quiet_its_own_tables() -> None:
    from civicapi.modules.budgets import module as budgets
    from civicapi.registry import ModuleLoadError
    from civicapi.registry.loader import build_registry

    stray = dataclasses.replace(budgets, cache_quiet_tables=("communes_commune",))
    with pytest.raises(ModuleLoadError, match="cache_quiet_tables"):
        build_registry([stray])


async def test_concurrent_misses_of_one_page_compute_it_once(
    cached: tuple[Any, httpx.AsyncClient, World], db: Database
) -> None:
    _, client, _ = cached
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM communes_commune" in statement:
            reads.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        answers = await asyncio.gather(*(client.get(ALPHA) for _ in range(20)))
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert {r.status_code for r in answers} == {200}
    assert len({r.content for r in answers}) == 1
    assert len(reads) == 1, "one request computed the page, the 19 others waited for it"


def test_kept_answers_are_bounded_in_number_and_in_bytes(db: Database) -> None:
    from civicapi.core.cache import ResponseCacheMiddleware, _Entry

    async def app(scope: Any, receive: Any, send: Any) -> None:  # never called here
        raise AssertionError

    cache = ResponseCacheMiddleware(app, db=db, seconds=60, max_entries=3, max_bytes=250)

    def entry(size: int) -> _Entry:
        return _Entry(generation=0, expires=0.0, status=200, headers=[], body=b"x" * size)

    for i in range(4):
        cache.store((f"/{i}".encode(), b"", b""), entry(10))
    assert [k[0] for k in cache.entries] == [b"/1", b"/2", b"/3"] and cache.bytes == 30
    cache.store((b"/big", b"", b""), entry(240))
    assert [k[0] for k in cache.entries] == [b"/3", b"/big"] and cache.bytes == 250, "oldest out first"
    cache.store((b"/big", b"", b""), entry(100))
    assert cache.bytes == 110, "replacing an entry does not count it twice"
    cache.forget((b"/big", b"", b""))
    assert [k[0] for k in cache.entries] == [b"/3"] and cache.bytes == 10
