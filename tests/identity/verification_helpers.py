"""Shared builders for the verification tests: a census, people, and the HTTP calls they make."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select, text

from civicapi.core.db.base import Base
from civicapi.core.db.session import Database
from civicapi.identity import service as identity
from civicapi.identity.models import User
from civicapi.identity.verification.models import Verification
from tests.fixtures.factories import World, bearer

CSV = "text/csv; charset=utf-8"

# Belgian-style national numbers: the identifiers must never be stored, in any form.
ANNE = ("85.07.30-033.61", "1985-07-30")
BRUNO = ("90.02.14-123.45", "1990-02-14")
CHLOE = ("10.11.05-222.09", "2010-11-05")
CENSUS_ROWS = [
    (*ANNE, "Outremeuse", "4020"),
    (*BRUNO, "Centre", "4000"),
    (*CHLOE, "Outremeuse", "4020"),
]


def census_csv(rows: list[tuple[str, ...]] = CENSUS_ROWS, delimiter: str = ";") -> bytes:
    lines = [delimiter.join(("identifier", "birth_date", "district", "postal_code"))]
    lines += [delimiter.join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


async def upload_census(
    client: httpx.AsyncClient,
    world: World,
    body: bytes | None = None,
    *,
    commune: str = "alpha",
    who: str = "admin",
) -> httpx.Response:
    return await client.put(
        f"/v1/communes/{commune}/census",
        content=census_csv() if body is None else body,
        headers={**world.headers(who), "Content-Type": CSV},
    )


async def verify(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    person: tuple[str, str] = ANNE,
    *,
    commune: str = "alpha",
) -> httpx.Response:
    return await client.post(
        f"/v1/communes/{commune}/verifications/census",
        json={"identifier": person[0], "birth_date": person[1]},
        headers=headers,
    )


async def make_people(db: Database, count: int, prefix: str = "resident") -> list[User]:
    """Accounts without passwords (fast: no argon2), in one unit of work."""
    async with db.unit_of_work() as session:
        return [
            await identity.create_user(
                session, email=f"{prefix}{i}@test.org", display_name=f"{prefix} {i}", password=None
            )
            for i in range(count)
        ]


def headers_of(app: Any, user: User) -> dict[str, str]:
    return bearer(app, user)


async def verifications(db: Database) -> list[Verification]:
    async with db.unit_of_work() as session:
        return list((await session.execute(select(Verification))).scalars())


async def dump_database(db: Database) -> str:
    """The text of every row of every table, to search for data that must not be stored in clear."""
    parts: list[str] = []
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = await conn.execute(text(f'SELECT * FROM "{table.name}"'))
            parts.extend(repr(tuple(row)) for row in rows)
    return "\n".join(parts)
