"""The places capability's routes, mounted once for the platform under ``/v1/communes/{commune}/places``:
each part includes its own router here (one line each)."""

from __future__ import annotations

from civicapi.core.routing import GuardedRouter
from civicapi.places.geocoding.router import router as geocoding_router
from civicapi.places.router_districts import router as districts_router

router = GuardedRouter()
router.include_router(districts_router)
router.include_router(geocoding_router)
