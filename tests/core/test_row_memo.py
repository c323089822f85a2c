"""The per-process memo of communes and components (core.db.memo): a write through the process is seen by
the next request, one made elsewhere within the configured seconds; what a request does to its own copy
never reaches the memo."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.dependencies import kept_commune
from civicapi.communes.models import Commune
from civicapi.communes.repository import CommuneRepository
from civicapi.config import Settings
from civicapi.core.db.memo import RowMemo, memoized, peek
from civicapi.core.db.session import Database
from civicapi.main import create_app
from civicapi.registry import load_modules
from tests.core.conftest import rename_elsewhere
from tests.fixtures.factories import World, build_world

ALPHA = "/v1/communes/alpha"


@pytest.fixture
async def memo_app(settings: Settings, db: Database) -> AsyncIterator[tuple[httpx.AsyncClient, World]]:
    """An app keeping rows one second (answers not at all: every read below reaches the endpoint)."""
    app = create_app(
        settings.model_copy(update={"row_cache_seconds": 1, "response_cache_seconds": 0}),
        registry=load_modules(None),
        database=db,
    )
    world = await build_world(db, app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client, world


async def test_a_write_elsewhere_shows_once_the_kept_row_expires(
    memo_app: tuple[httpx.AsyncClient, World], elsewhere: Database
) -> None:
    client, world = memo_app
    admin = world.headers("admin")
    first = (await client.get(ALPHA, headers=admin)).json()["name"]
    await rename_elsewhere(elsewhere, "Renamed by another worker")
    assert (await client.get(ALPHA, headers=admin)).json()["name"] == first, "kept for up to a second"
    await asyncio.sleep(1.1)
    assert (await client.get(ALPHA, headers=admin)).json()["name"] == "Renamed by another worker"


async def test_a_write_through_the_process_is_seen_by_the_next_request(
    memo_app: tuple[httpx.AsyncClient, World],
) -> None:
    client, world = memo_app
    admin = world.headers("admin")
    assert (await client.get(ALPHA, headers=admin)).status_code == 200
    r = await client.patch(ALPHA, json={"name": "Alpha-sur-Meuse"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (await client.get(ALPHA, headers=admin)).json()["name"] == "Alpha-sur-Meuse"
    # and the module switch, which every module route checks through the kept commune
    r = await client.get(f"{ALPHA}/modules", headers=admin)
    assert r.status_code == 200


async def _alpha(session: AsyncSession) -> Commune | None:
    return await CommuneRepository(session).by_slug("alpha", with_modules=True)


async def test_a_request_changing_its_copy_and_rolling_back_leaves_the_memo_intact(
    memo_app: tuple[httpx.AsyncClient, World], db: Database
) -> None:
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            mine = await memoized(session, ("commune", "alpha"), _alpha)
            assert mine is not None and mine in session, "the request's own, attached copy"
            original, modules = mine.name, sorted(m.module_key for m in mine.modules)
            mine.name = "Never committed"
            await session.flush()
            raise RuntimeError("the request fails")
    async with db.unit_of_work() as session:
        again = await memoized(session, ("commune", "alpha"), _alpha)
        assert again is not None and again.name == original
        assert sorted(m.module_key for m in again.modules) == modules, "relationships come along"
    assert db.row_memo.hits >= 1


async def test_nothing_found_is_not_kept(memo_app: tuple[httpx.AsyncClient, World], db: Database) -> None:
    async def missing(session: AsyncSession) -> Any:
        return await CommuneRepository(session).by_slug("nowhere")

    async with db.unit_of_work() as session:
        assert await memoized(session, ("commune", "nowhere"), missing) is None
    assert db.row_memo.get(("commune", "nowhere"), db.generation) is None


def test_the_memo_is_bounded_and_forgets_stale_generations() -> None:
    memo = RowMemo(seconds=60, max_entries=2)
    for key in ("a", "b", "c"):
        memo.put(key, 1, key.upper())
    assert memo.get("a", 1) is None, "the oldest entry made room"
    assert memo.get("c", 1) == "C"
    assert memo.get("c", 2) is None, "another generation: stale, and dropped"
    assert memo.get("c", 1) is None
    off = RowMemo(seconds=0)
    off.put("x", 1, "X")
    assert off.get("x", 1) is None, "0 seconds keeps nothing"


async def test_a_session_that_wrote_reads_its_own_state_and_keeps_nothing(
    memo_app: tuple[httpx.AsyncClient, World], db: Database
) -> None:
    db.row_memo.clear()
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            rename = update(Commune).where(Commune.slug == "alpha").values(name="Uncommitted")
            await session.execute(rename)
            seen = await memoized(session, ("commune", "alpha"), _alpha)
            assert seen is not None and seen.name == "Uncommitted"
            assert db.row_memo.get(("commune", "alpha"), db.generation) is None, "not kept"
            raise RuntimeError("rolled back")


async def test_a_reader_that_cannot_load_has_an_entry_reloaded_ahead_of_its_expiry(
    memo_app: tuple[httpx.AsyncClient, World], db: Database, elsewhere: Database
) -> None:
    """``peek`` (the ballot lane's read) never loads: without a reload ahead, the entry would vanish every
    second and the lane would leave every request of that moment to the route."""
    client, world = memo_app
    assert (await client.get(ALPHA, headers=world.headers("admin"))).status_code == 200
    first = kept_commune(db, "alpha")
    assert first is not None
    await rename_elsewhere(elsewhere, "Renamed by another worker")
    assert kept_commune(db, "alpha") is first and db.row_memo.reloads == 0, "young: kept as it is"
    await asyncio.sleep(0.6)  # past half of its second
    assert kept_commune(db, "alpha") is first, "still valid: the reader gets it while it is reloaded"
    for _ in range(100):
        if db.row_memo.reloads:
            break
        await asyncio.sleep(0.02)
    reloaded = kept_commune(db, "alpha")
    assert db.row_memo.reloads == 1 and reloaded is not None
    assert reloaded.name == "Renamed by another worker", "the reload reads the database again"
    await asyncio.sleep(0.5)  # past the first copy's expiry: the reloaded one lives on
    assert kept_commune(db, "alpha") is not None


async def test_a_reload_that_fails_is_not_tried_again_and_the_copy_expires(
    memo_app: tuple[httpx.AsyncClient, World], db: Database
) -> None:
    calls: list[int] = []

    async def failing(session: AsyncSession) -> Any:
        calls.append(1)
        raise RuntimeError("the database went away")

    db.row_memo.put(("thing",), db.generation, "kept", failing)
    await asyncio.sleep(0.6)  # past half of its second
    assert peek(db, ("thing",), str) == "kept"
    await asyncio.sleep(0.1)
    assert peek(db, ("thing",), str) == "kept", "still valid after the failed reload"
    await asyncio.sleep(0.1)
    assert calls == [1], "one reload, not one per read"
    await asyncio.sleep(0.4)
    assert peek(db, ("thing",), str) is None, "expired"
