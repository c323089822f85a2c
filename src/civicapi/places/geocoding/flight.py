"""Process-wide care of the providers: requests towards one provider are spaced (a minimum interval, so
``geocoder_requests_per_second`` holds for the whole process), and identical questions asked at once, or
within a few seconds, share ONE request (the first asks; the others wait for its answer)."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from civicapi.places.geocoding.errors import GeocoderTimeout
from civicapi.places.geocoding.results import Hit

SHARED_SECONDS = 10.0
"""How long an answer is handed to identical questions without asking again (the database cache then
takes over, once the first request's unit of work has committed)."""
MAX_SHARED = 1_024


class Throttle:
    """At most one request every ``1 / per_second`` seconds; a request that would wait longer than
    ``max_wait`` is refused (504, ``busy``) rather than queued for ever."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self.next_slot = 0.0

    async def wait(self, max_wait: float) -> None:
        now = time.monotonic()
        slot = max(now, self.next_slot)
        if slot - now > max_wait:
            raise GeocoderTimeout("too many geocoding requests are waiting for the provider", reason="busy")
        self.next_slot = slot + self.interval  # taken before sleeping: the next caller queues behind
        if slot > now:
            await asyncio.sleep(slot - now)


class SingleFlight:
    """One fetch per key at a time; its answer is shared with whoever asks the same within
    :data:`SHARED_SECONDS`. A failure is shared with those waiting, then forgotten."""

    def __init__(self) -> None:
        self.calls: dict[str, tuple[float, asyncio.Future[list[Hit]]]] = {}

    def _shared(self, key: str) -> asyncio.Future[list[Hit]] | None:
        found = self.calls.get(key)
        if found is None:
            return None
        until, future = found
        if not future.done() or until > time.monotonic():
            return future
        del self.calls[key]
        return None

    async def run(self, key: str, fetch: Callable[[], Awaitable[list[Hit]]]) -> tuple[list[Hit], bool]:
        """The answer, and whether this call fetched it (then the caller keeps it in the cache)."""
        shared = self._shared(key)
        if shared is not None:
            try:
                return await asyncio.shield(shared), False
            except asyncio.CancelledError:
                if not shared.cancelled():
                    raise  # this request itself was cancelled
                # the request that fetched was cancelled: fetch again
        future: asyncio.Future[list[Hit]] = asyncio.get_running_loop().create_future()
        self.calls[key] = (math.inf, future)
        try:
            hits = await fetch()
        except asyncio.CancelledError:
            self.calls.pop(key, None)
            future.cancel()
            raise
        except Exception as exc:
            self.calls.pop(key, None)
            future.set_exception(exc)
            future.exception()  # retrieved: nobody waiting is no warning
            raise
        future.set_result(hits)
        self._prune()
        self.calls[key] = (time.monotonic() + SHARED_SECONDS, future)
        return hits, True

    def _prune(self) -> None:
        if len(self.calls) >= MAX_SHARED:
            now = time.monotonic()
            for key in [k for k, (until, f) in self.calls.items() if f.done() and until <= now]:
                del self.calls[key]


@dataclass
class GeocodingState:
    """What one process keeps about the providers: a throttle per base URL, the shared fetches."""

    throttles: dict[str, Throttle] = field(default_factory=dict)
    flights: SingleFlight = field(default_factory=SingleFlight)

    def throttle(self, base_url: str, per_second: float) -> Throttle:
        found = self.throttles.get(base_url)
        if found is None or not math.isclose(found.interval, 1.0 / per_second):
            found = self.throttles[base_url] = Throttle(per_second)
        return found


def state_of(holder: Any) -> GeocodingState:
    """The process's state, kept on ``holder`` (the application's ``state``), made on first use."""
    state = getattr(holder, "geocoding", None)
    if state is None:
        state = GeocodingState()
        holder.geocoding = state
    return state
