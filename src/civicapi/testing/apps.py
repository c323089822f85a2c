"""One app for many checks: the route-table checks call hundreds of operations, each on a new world."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from civicapi.config import Environment, Settings
from civicapi.core.db.session import Database
from civicapi.main import create_app
from civicapi.registry import load_modules


def shared_app(database_url: str, engine: AsyncEngine, *, modules: list[str] | None = None) -> Any:
    """An app (of every installed module, or of ``modules``) to build once per test module: FastAPI prepares
    an app's routes on its first request and its OpenAPI document on the first ask (seconds), which one app
    per check would pay again and again. Call :func:`forget_previous_world` before each test."""
    settings = Settings(
        env=Environment.test,
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        modules=modules,
        max_body_bytes=65_536,
    )
    return create_app(settings, registry=load_modules(modules), database=Database(engine))


def forget_previous_world(app: Any) -> None:
    """The shared app outlives each test's tables: what it kept from the last world (rows, answers) is
    another database's now."""
    app.state.db.row_memo.clear()
    app.state.db.generation += 1
