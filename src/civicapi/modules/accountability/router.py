"""The module's router, mounted at ``/v1/communes/{commune}/accountability`` (404 when the commune has not
enabled the module). Routes are grouped by use case in ``router_*.py``; they do HTTP only."""

from __future__ import annotations

from civicapi.core.routing import GuardedRouter
from civicapi.modules.accountability import router_io, router_milestones, router_results, router_statuses

router = GuardedRouter()
for part in (router_statuses, router_results, router_milestones, router_io):
    router.include_router(part.router)
