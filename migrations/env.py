"""Alembic environment. ``civicapi.migrate`` hands in the connection (holding the migrations' lock), the
registry of installed modules and the version table; run by hand, it opens its own connection."""

from __future__ import annotations

import asyncio
from logging import getLogger

from alembic import context
from sqlalchemy.engine import Connection

from civicapi.config import get_settings
from civicapi.core.db.session import create_engine
from civicapi.migrate import VERSION_TABLE, import_models, installed_modules

log = getLogger("alembic.env")
config = context.config
registry = config.attributes.get("registry") or installed_modules()
target_metadata = import_models(registry)
version_table = config.attributes.get("version_table", VERSION_TABLE)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
        version_table=version_table,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


given = config.attributes.get("connection")
if context.is_offline_mode():
    url = config.attributes.get("database_url") or get_settings().database_url
    context.configure(
        url=url, target_metadata=target_metadata, literal_binds=True, version_table=version_table
    )
    with context.begin_transaction():
        context.run_migrations()
elif given is not None:
    _run(given)
    given.commit()
else:
    asyncio.run(_run_async(config.attributes.get("database_url") or get_settings().database_url))
