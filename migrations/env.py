"""Alembic environment: async engine, the URL handed in by ``civicapi.migrate`` or taken from settings."""

from __future__ import annotations

import asyncio
from logging import getLogger

from alembic import context
from sqlalchemy.engine import Connection

from civicapi.config import get_settings
from civicapi.core.db.session import create_engine
from civicapi.migrate import import_models
from civicapi.registry import load_modules

log = getLogger("alembic.env")
config = context.config
database_url = config.attributes.get("database_url") or get_settings().database_url
target_metadata = import_models(load_modules(get_settings().modules))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
