"""A watchdog for the event loop: a worker serves every request on one thread, so anything that holds it
(a synchronous call, a long computation, a blocked file read, a long garbage collection) stalls every
request at once, cached answers included, and the only outside sign is latency. This says what held it.

The loop beats every ``seconds / 4`` (a task). A daemon thread checks the beat; when the loop has not
beaten for ``seconds``, the thread takes the loop thread's stack (``sys._current_frames``) and logs it
once, at WARNING; when the loop beats again it logs how long it was held and how much of that time the
garbage collector ran (``gc.callbacks``). A call that holds the GIL throughout (the collector itself)
shows only in the second line: the thread cannot run until it ends.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
import time
import traceback
from typing import Any

log = logging.getLogger(__name__)


class LoopWatch:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.stalls = 0
        """Stalls seen (each logged when it ends)."""
        self.longest = 0.0
        self._beat = time.monotonic()
        self._gc_total = 0.0
        self._gc_started: float | None = None
        self._loop_thread: int | None = None
        self._stop = threading.Event()
        self._stack_logged = False

    async def run(self) -> None:
        """Beat until cancelled, with the watching thread running alongside."""
        self._loop_thread = threading.get_ident()
        self._beat = time.monotonic()
        gc.callbacks.append(self._on_gc)
        watcher = threading.Thread(target=self._watch, name="civicapi-loopwatch", daemon=True)
        watcher.start()
        try:
            while True:
                gc_before = self._gc_total
                await asyncio.sleep(self.seconds / 4)
                now = time.monotonic()
                held = now - self._beat - self.seconds / 4
                self._beat = now
                self._stack_logged = False
                if held >= self.seconds:
                    self._stalled(held, self._gc_total - gc_before)
        finally:
            self._stop.set()
            gc.callbacks.remove(self._on_gc)

    def _stalled(self, held: float, in_gc: float) -> None:
        self.stalls += 1
        self.longest = max(self.longest, held)
        log.warning(
            "the event loop was held for %.0f ms (garbage collection: %.0f ms of it); every request "
            "of this worker waited",
            held * 1000,
            in_gc * 1000,
        )

    def _watch(self) -> None:
        while not self._stop.wait(self.seconds / 4):
            late = time.monotonic() - self._beat - self.seconds / 4
            if late < self.seconds or self._stack_logged or self._loop_thread is None:
                continue
            frame = sys._current_frames().get(self._loop_thread)
            if frame is None:
                continue
            self._stack_logged = True
            stack = "".join(traceback.format_stack(frame, limit=25))
            log.warning("the event loop has not run for %.0f ms; it is in:\n%s", late * 1000, stack)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._gc_started is not None:
            self._gc_total += time.perf_counter() - self._gc_started
            self._gc_started = None
