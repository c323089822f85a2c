"""Rate limits (the ``limits`` library): moving windows keyed by action and caller.

Storage is in process memory by default; ``CIVICAPI_RATE_LIMIT_STORAGE`` takes any ``limits`` storage URL
(``redis://host:6379/0``, ``memcached://...``) so several API processes share one count.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterable

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


class TrustedProxies:
    """The reverse proxies whose forwarding headers are believed (``CIVICAPI_TRUSTED_PROXIES``: addresses
    or networks). None by default: the client address is then the connection's peer, whatever
    ``X-Forwarded-For`` says, so a client cannot reset its rate limits by inventing one."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.networks = tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client's address: ``peer`` unless it is a trusted proxy; then the right-most address of
        ``X-Forwarded-For`` that is not a trusted proxy (each proxy appends the address it saw, so only
        what trusted proxies appended can be believed)."""
        if peer is None:
            return "unknown"
        if not forwarded_for or not self.trusts(peer):
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer
