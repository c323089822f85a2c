"""Routes of the surveys' results use case (HTTP only)."""

from __future__ import annotations

from civicapi.core.routing import GuardedRouter

router = GuardedRouter()
