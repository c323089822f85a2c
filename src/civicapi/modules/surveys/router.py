"""The surveys module's routes, mounted at ``/v1/communes/{commune}/surveys``: one router per use case."""

from __future__ import annotations

from civicapi.core.routing import GuardedRouter
from civicapi.modules.surveys.answering.router import router as answering_router
from civicapi.modules.surveys.management.router import router as management_router
from civicapi.modules.surveys.results.router import router as results_router

router = GuardedRouter()
router.include_router(management_router)
router.include_router(answering_router)
router.include_router(results_router)
