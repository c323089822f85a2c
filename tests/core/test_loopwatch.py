"""The event loop's watchdog (core.loopwatch): a worker whose loop is held says where, and for how long."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Any

import pytest

from civicapi.config import Settings
from civicapi.core import loopwatch
from civicapi.core.db.session import Database
from civicapi.core.loopwatch import LoopWatch
from civicapi.main import create_app
from civicapi.registry import load_modules


def _hold_the_loop(seconds: float) -> None:
    time.sleep(seconds)  # what a synchronous call in a request would do


async def _watched(watch: LoopWatch, during: Any) -> None:
    task = asyncio.create_task(watch.run())
    await asyncio.sleep(0.15)  # beating
    await during()
    await asyncio.sleep(0.15)  # beating again: the stall is counted
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_a_held_loop_is_logged_with_the_code_holding_it(caplog: pytest.LogCaptureFixture) -> None:
    watch = LoopWatch(0.2)

    async def hold() -> None:
        _hold_the_loop(0.6)

    with caplog.at_level(logging.WARNING, logger=loopwatch.__name__):
        await _watched(watch, hold)
    messages = [r.getMessage() for r in caplog.records if r.name == loopwatch.__name__]
    assert watch.stalls == 1 and 0.5 < watch.longest < 2.0, (watch.stalls, watch.longest)
    where = [m for m in messages if "has not run" in m]
    assert len(where) == 1 and "_hold_the_loop" in where[0], messages
    assert any("was held for" in m and "garbage collection" in m for m in messages), messages
    assert watch not in [getattr(cb, "__self__", None) for cb in gc.callbacks], "its GC hook is removed"


async def test_a_loop_that_keeps_beating_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    watch = LoopWatch(0.2)

    async def busy_but_fair() -> None:
        for _ in range(20):
            _hold_the_loop(0.02)
            await asyncio.sleep(0)

    with caplog.at_level(logging.WARNING, logger=loopwatch.__name__):
        await _watched(watch, busy_but_fair)
    assert watch.stalls == 0
    assert not [r for r in caplog.records if r.name == loopwatch.__name__]


async def test_the_app_runs_the_watchdog_unless_it_is_off(settings: Settings, db: Database) -> None:
    for seconds, expected in ((1.0, True), (0.0, False)):
        app = create_app(
            settings.model_copy(update={"loop_stall_seconds": seconds}),
            registry=load_modules(None),
            database=db,
        )
        async with app.router.lifespan_context(app):
            await asyncio.sleep(0)
            assert hasattr(app.state, "loopwatch") is expected
