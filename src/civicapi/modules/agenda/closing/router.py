"""HTTP routes of the agenda's closing (see the package's docstring); routers do HTTP only."""

from __future__ import annotations

from civicapi.core.routing import GuardedRouter

router = GuardedRouter()
