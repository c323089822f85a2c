"""A per-process memo of the few rows nearly every request reads and almost none writes: a commune with its
modules, a component with its process and phases. Each costs a database round trip and an ORM load (about
1-1.5 ms of CPU) on every request that names them in its path; kept here, a request pays for a
``Session.merge(load=False)`` instead (about 0.1 ms, no SQL).

Freshness follows the response cache's rules (:mod:`civicapi.core.cache`):

* an entry is valid only while :attr:`Database.generation` (bumped after every commit that wrote a table
  public pages show) is the one read before it was loaded: a write through this process is seen by the
  very next request;
* an entry lives at most ``CIVICAPI_ROW_CACHE_SECONDS`` (default 2; 0 disables): this bounds how long a
  write made by *another* worker takes to show. Decisions that must not lag (a budget's vote being
  closed) are taken under a row lock in the transaction that acts on them, never from this memo.

A reader that cannot load (:func:`peek`, the ballot lane) would find the entry gone every few seconds
and leave every request of that moment to the slower route, which reloads it (in a 5-second ballot
bench, one ballot in nine). So once an entry is past half its life, :func:`peek` has it reloaded
*ahead*: one background task per entry, with the loader that first kept it, on a connection of its own,
while readers keep the still-valid copy. Nothing is served older than the limit above; the reload is
what a miss would have done, only once and off the request. A reload that fails is not tried again for
that copy, which then simply expires (a database outage logs one warning per entry, not one per read).

What is kept is a *detached* copy, loaded through a short session of its own on the request's connection
(so nothing a request does to its objects, or a rollback that expires them, reaches the memo); a request
gets its own attached copy through ``merge(load=False)``, which it may change and flush like any loaded
object.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from civicapi.core.db.session import Database

T = TypeVar("T")
Loader = Callable[[AsyncSession], Awaitable[Any]]

log = logging.getLogger(__name__)

DB_KEY = "civicapi_db"
"""Where a unit of work's session keeps its :class:`Database` (``session.info``)."""
WROTE_KEY = "civicapi_wrote"
"""Where a session records the tables it wrote (``session.info``, see :mod:`civicapi.core.db.session`)."""


class RowMemo:
    """Bounded map of key -> (generation, expiry, detached object, its loader); least recently stored goes
    first."""

    def __init__(self, seconds: float = 0.0, max_entries: int = 4096) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[int, float, object, Loader | None]] = OrderedDict()
        self._reloading: dict[Hashable, asyncio.Task[None]] = {}
        self.hits = 0
        self.misses = 0
        self.reloads = 0

    def get(self, key: Hashable, generation: int) -> object | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_generation, expires, value, _ = entry
        if stored_generation != generation or time.monotonic() >= expires:
            del self._entries[key]
            return None
        return value

    def put(self, key: Hashable, generation: int, value: object, load: Loader | None = None) -> None:
        self._entries[key] = (generation, time.monotonic() + self.seconds, value, load)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def reload_ahead(self, db: Database, key: Hashable) -> None:
        """Have ``key``'s entry reloaded in the background if it is past half its life, has a loader and
        is not being reloaded already (call it right after a :meth:`get` that found it valid)."""
        entry = self._entries.get(key)
        if entry is None or key in self._reloading:
            return
        generation, expires, _, load = entry
        if load is None or time.monotonic() < expires - self.seconds / 2:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._reloading[key] = loop.create_task(self._reload(db, key, generation, load))

    async def _reload(self, db: Database, key: Hashable, generation: int, load: Loader) -> None:
        try:
            if db.generation != generation:
                return  # the entry is stale already: the next reader drops it
            async with db.unit_of_work(readonly=True) as own:
                value = await load(own)
            if value is None:
                self._entries.pop(key, None)
            else:  # valid while the generation read before the load holds, as in memoized()
                self.put(key, generation, value, load)
                self.reloads += 1
        except Exception as exc:  # the entry simply expires, and the next route request loads it
            log.warning("reloading a kept row %r failed: %s", key, exc)
            entry = self._entries.get(key)
            if entry is not None and entry[3] is load:
                self._entries[key] = (*entry[:3], None)  # not tried again for this copy
        finally:
            self._reloading.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def cancel(self) -> None:
        """Stop the reloads under way (the engine is being disposed)."""
        for task in self._reloading.values():
            task.cancel()
        self._reloading.clear()


def _memo_of(session: AsyncSession) -> tuple[Database, RowMemo] | None:
    db: Database | None = session.info.get(DB_KEY)
    if db is None or db.row_memo.seconds <= 0:
        return None
    return db, db.row_memo


def _has_written(session: AsyncSession) -> bool:
    return bool(session.info.get(WROTE_KEY) or session.new or session.dirty or session.deleted)


async def memoized(
    session: AsyncSession, key: Hashable, load: Callable[[AsyncSession], Awaitable[T | None]]
) -> T | None:
    """``load(session)``'s object, attached to ``session``: from the memo when a valid copy is kept, else
    loaded (by a session of its own, on the same connection) and kept. ``None`` (not found) is never kept.

    ``load`` must eagerly load every attribute and relationship its callers read (a kept copy is detached:
    it cannot lazy-load)."""
    found = _memo_of(session)
    if found is None or _has_written(session):
        # A session that wrote reads its own, uncommitted, state: nothing of it may be kept.
        return await load(session)
    db, memo = found
    generation = db.generation
    kept = memo.get(key, generation)
    if kept is None:
        memo.misses += 1
        # A session of its own (its objects are the memo's, not the request's), on the request's
        # connection and transaction: a second connection per request could exhaust the pool.
        own = AsyncSession(bind=await session.connection(), expire_on_commit=False, autoflush=False)
        try:
            kept = await load(own)
        finally:
            await own.close()
        if kept is None:
            return None
        memo.put(key, generation, kept, load)
    else:
        memo.hits += 1
    merged: T = await session.merge(kept, load=False)  # type: ignore[arg-type]
    return merged


def peek(db: Database, key: Hashable, kind: type[T]) -> T | None:
    """The kept, detached, ``kind`` under ``key`` if it is still valid; no session, no SQL, never loads. For
    code that reads it without changing it and has a way round a miss (the ballot lane, see
    :mod:`civicapi.core.lanes`). Past half its life, the entry is reloaded ahead, in the background."""
    memo = db.row_memo
    if memo.seconds <= 0:
        return None
    found = memo.get(key, db.generation)
    if not isinstance(found, kind):
        return None
    memo.reload_ahead(db, key)
    return found
