"""The module's router, mounted at ``/v1/communes/{commune}/agenda`` (404 when the commune has not enabled
the module). Each use case has its sub-package with its own ``router.py``; routers do HTTP only."""

from __future__ import annotations

from civicapi.core.routing import GuardedRouter
from civicapi.modules.agenda.calendars import router as calendars
from civicapi.modules.agenda.closing import router as closing
from civicapi.modules.agenda.meetings import router as meetings
from civicapi.modules.agenda.registrations import router as registrations
from civicapi.modules.agenda.registrations import router_form

router = GuardedRouter()
for part in (meetings, registrations, closing, calendars):
    router.include_router(part.router)
router.include_router(router_form.router, prefix=router_form.FORM)
