"""Dependencies shared by every layer: settings, the database, and the request's unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.config import Settings
from civicapi.core.db.session import Database

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Retrying with the same key and body returns the first answer; another body is a 422.",
    ),
]
"""The header of a write that is safe to retry (a ballot, a registration): the module keeps the first
answer under the key."""


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed after the endpoint returns and before the response is sent
    (``scope="function"``), rolled back if anything raised. The only commit point of the application."""
    db: Database = request.app.state.db
    async with db.unit_of_work(readonly=request.method in SAFE_METHODS) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
