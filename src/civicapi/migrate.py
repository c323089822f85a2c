"""Alembic, driven from code: one history in ``migrations/``, for the platform and every module."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from civicapi.core.db.base import Base
from civicapi.core.db.session import create_engine
from civicapi.registry import ModuleRegistry


def import_models(registry: ModuleRegistry | None = None) -> MetaData:
    """Import every model so that ``Base.metadata`` knows all tables (platform + loaded modules)."""
    import civicapi.communes.models
    import civicapi.core.audit
    import civicapi.core.event_store
    import civicapi.core.links
    import civicapi.identity.models
    import civicapi.identity.verification.models
    import civicapi.spaces.models  # noqa: F401

    for module in registry or ():
        for model in module.models:
            assert model.metadata is Base.metadata
    return Base.metadata


def migrations_dir() -> Path:
    configured = os.environ.get("CIVICAPI_MIGRATIONS_DIR")
    if configured:
        return Path(configured)
    source_tree = Path(__file__).resolve().parents[2] / "migrations"
    if source_tree.is_dir():
        return source_tree
    return Path.cwd() / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(slug)s")
    cfg.set_main_option("version_path_separator", "os")
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str, *, autogenerate: bool = True) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=autogenerate)


def _diff(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
    return list(compare_metadata(context, metadata))


async def _drift_async(database_url: str, metadata: MetaData) -> list[Any]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_diff, metadata)
    finally:
        await engine.dispose()


def drift(database_url: str, registry: ModuleRegistry | None = None) -> list[Any]:
    """Differences between the models and a migrated database: empty when the migrations are complete."""
    return asyncio.run(_drift_async(database_url, import_models(registry)))
