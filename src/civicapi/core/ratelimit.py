"""Rate limits (the ``limits`` library): moving windows keyed by action and caller.

Storage is in process memory by default; ``CIVICAPI_RATE_LIMIT_STORAGE`` takes any ``limits`` storage URL
(``redis://host:6379/0``, ``memcached://...``) so several API processes share one count.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from civicapi.core.errors import RateLimited


class RateLimiter:
    def __init__(self, storage_url: str = "memory://", *, enabled: bool = True) -> None:
        url = storage_url if storage_url.startswith("async+") else f"async+{storage_url}"
        self._limiter = MovingWindowRateLimiter(storage_from_string(url))
        self._items: dict[str, RateLimitItem] = {}
        self.enabled = enabled

    def _item(self, limit: str) -> RateLimitItem:
        item = self._items.get(limit)
        if item is None:
            item = self._items[limit] = parse(limit)
        return item

    async def hit(self, action: str, limit: str, *identifiers: str) -> None:
        """Count one attempt of ``action`` by ``identifiers``; 429 with ``Retry-After`` past ``limit``."""
        if not self.enabled:
            return
        item = self._item(limit)
        if await self._limiter.hit(item, action, *identifiers):
            return
        stats = await self._limiter.get_window_stats(item, action, *identifiers)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(
            f"too many {action.replace('_', ' ')} attempts; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
            retry_after=retry_after,
        )

    async def reset(self) -> None:
        await self._limiter.storage.reset()
