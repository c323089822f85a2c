"""The module's router, mounted at ``/v1/communes/{commune}/proposals`` (404 when the commune has not
enabled the module). Each use case has its sub-package with its own ``router.py``; routers do HTTP only."""

from __future__ import annotations

from civicapi.core.routing import GuardedRouter
from civicapi.modules.proposals.answers import router as answers
from civicapi.modules.proposals.discussions import router as discussions
from civicapi.modules.proposals.io import router as io
from civicapi.modules.proposals.lifecycle import router as lifecycle
from civicapi.modules.proposals.review import router as review
from civicapi.modules.proposals.supports import router as supports

router = GuardedRouter()
for part in (lifecycle, supports, answers, review, io, discussions):
    router.include_router(part.router)
