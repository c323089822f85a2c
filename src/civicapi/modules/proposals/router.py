"""The module's router, mounted at ``/v1/communes/{commune}/proposals`` (404 when the commune has not
enabled the module). Routes are grouped by use case in ``router_*.py``; they do HTTP only."""

from __future__ import annotations

from civicapi.core.routing import GuardedRouter
from civicapi.modules.proposals import (
    router_answers,
    router_io,
    router_proposals,
    router_review,
    router_supports,
)

router = GuardedRouter()
for part in (router_proposals, router_supports, router_answers, router_review, router_io):
    router.include_router(part.router)
