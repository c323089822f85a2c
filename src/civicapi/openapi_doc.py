"""The checked-in OpenAPI document, rendered deterministically from the app with the built-in modules."""

from __future__ import annotations

import json
from importlib.metadata import entry_points

from civicapi.config import Settings
from civicapi.main import create_app
from civicapi.registry.loader import ENTRY_POINT_GROUP


def builtin_module_keys() -> list[str]:
    """Modules shipped in this package (third-party plugins are left out of the contract document)."""
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.value.startswith("civicapi."))


def render_openapi() -> str:
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", modules=builtin_module_keys())
    app = create_app(settings)
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
