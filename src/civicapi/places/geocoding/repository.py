"""SQL of geocoding: the commune's address list (replaced whole; searched by folded words; the addresses
in a box around a point) and the cache of the providers' answers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.places.models import Address, GeocodeCache

INSERT_BATCH = 1_000


async def count_addresses(session: AsyncSession, commune_id: uuid.UUID) -> int:
    stmt = select(func.count()).select_from(Address).where(Address.commune_id == commune_id)
    return int((await session.execute(stmt)).scalar_one())


async def replace_addresses(
    session: AsyncSession, commune_id: uuid.UUID, rows: Sequence[dict[str, Any]]
) -> None:
    """The commune's address list becomes ``rows`` (in the caller's unit of work: all or nothing)."""
    await session.execute(delete(Address).where(Address.commune_id == commune_id))
    for start in range(0, len(rows), INSERT_BATCH):
        batch = [
            {"id": uuid.uuid4(), "commune_id": commune_id, **row}
            for row in rows[start : start + INSERT_BATCH]
        ]
        await session.execute(insert(Address), batch)


async def search_addresses(
    session: AsyncSession,
    commune_id: uuid.UUID,
    words: Sequence[str],
    last_word_start: str | None,
    limit: int,
) -> list[Address]:
    """Addresses whose folded text has every one of ``words`` as a whole word and, if given, a word starting
    with ``last_word_start``; the shortest labels first."""
    patterns = [f"% {word} %" for word in words]
    if last_word_start:
        patterns.append(f"% {last_word_start}%")
    stmt = (
        select(Address)
        .where(Address.commune_id == commune_id, *(Address.search.like(p) for p in patterns))
        .order_by(func.length(Address.label), Address.label, Address.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def addresses_in_box(
    session: AsyncSession,
    commune_id: uuid.UUID,
    box: tuple[float, float, float, float],
    limit: int,
) -> list[Address]:
    """Addresses inside ``(west, south, east, north)`` (at most ``limit``)."""
    west, south, east, north = box
    stmt = (
        select(Address)
        .where(
            Address.commune_id == commune_id,
            Address.latitude >= south,
            Address.latitude <= north,
            Address.longitude >= west,
            Address.longitude <= east,
        )
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def cached(session: AsyncSession, query_hash: str, now: datetime) -> list[Any] | None:
    """The newest answer kept under ``query_hash`` that has not expired."""
    stmt = (
        select(GeocodeCache.result)
        .where(GeocodeCache.query_hash == query_hash, GeocodeCache.expires_at > now)
        .order_by(GeocodeCache.created_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def keep(session: AsyncSession, values: dict[str, Any], now: datetime) -> None:
    """Keep an answer, and drop every expired one (few at a time: the table is swept on each write, on its
    ``expires_at`` index). Two processes may keep the same key once each: the reading takes the newest, so
    no unique constraint is needed."""
    await session.execute(delete(GeocodeCache).where(GeocodeCache.expires_at <= now))
    await session.execute(insert(GeocodeCache).values(id=uuid.uuid4(), created_at=now, **values))
