"""Work a process repeats while it runs (a module's ``on_start``): each job now, then again every
``seconds`` until the task is cancelled at shutdown; a job that fails is logged and the next round comes
all the same (one failing job does not stop the others)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn

Job = tuple[str, Callable[[], Awaitable[object]]]
"""What the job does (for the log: "<what> failed; trying again in N s"), and the job."""


async def run_every(seconds: float, jobs: Sequence[Job], log: logging.Logger) -> NoReturn:
    while True:
        for what, job in jobs:
            try:
                await job()
            except Exception:
                log.exception("%s failed; trying again in %s s", what, seconds)
        await asyncio.sleep(seconds)
