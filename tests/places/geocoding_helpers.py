"""What the geocoding tests share: an app over the test database with geocoding settings of the test's
choosing (the response cache off, so that every request reaches the geocoding code)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.main import create_app
from civicapi.registry import load_modules


@asynccontextmanager
async def geocoding_client(
    settings: Settings, db: Database, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a new app (a new process, as far as geocoding's process-wide state goes)."""
    configured = Settings(**{**settings.model_dump(), "response_cache_seconds": 0, **overrides})
    app = create_app(configured, registry=load_modules(None), database=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
