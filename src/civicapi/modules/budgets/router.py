"""The module's router, mounted at ``/v1/communes/{commune}/budgets`` (404 when the commune has not enabled
the module). Routes are grouped by use case, each sub-package's ``router*.py`` (``catalog``, ``voting``,
``results``); they do HTTP only."""

from __future__ import annotations

from civicapi.core.routing import GuardedRouter
from civicapi.modules.budgets.catalog import router as router_budgets
from civicapi.modules.budgets.catalog import router_projects
from civicapi.modules.budgets.results import router as router_results
from civicapi.modules.budgets.voting import router as router_ballots

router = GuardedRouter()
for part in (router_budgets, router_projects, router_ballots, router_results):
    router.include_router(part.router)
