"""Routes of the surveys' answering use case (HTTP only)."""

from __future__ import annotations

from civicapi.core.routing import GuardedRouter

router = GuardedRouter()
