"""A test module ("probe") owning "things", each asking a questionnaire, that mounts the forms results and
exports routes under ``/things/{thing_id}`` as a module would."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import APIRouter
from sqlalchemy import select

from civicapi.communes.dependencies import CurrentCommune
from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.core.deps import SessionDep
from civicapi.core.errors import NotFound
from civicapi.forms.models import Questionnaire
from civicapi.forms.router_results import exports_router, results_router
from civicapi.main import create_app
from civicapi.registry import CivicModule, load_modules
from civicapi.registry.contract import Permission, Role
from tests.fixtures.factories import World

PUBLISHED: set[uuid.UUID] = set()
"""The questionnaires whose results the probe has published."""


async def thing_questionnaire(
    thing_id: uuid.UUID, commune: CurrentCommune, session: SessionDep
) -> Questionnaire:
    stmt = select(Questionnaire).where(
        Questionnaire.commune_id == commune.id,
        Questionnaire.owner_module == "probe",
        Questionnaire.owner_type == "thing",
        Questionnaire.owner_id == thing_id,
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise NotFound("no such thing")
    return found


async def is_published(questionnaire: Questionnaire) -> bool:
    return questionnaire.id in PUBLISHED


router = APIRouter()
router.include_router(
    results_router(thing_questionnaire, manage_permission="probe.results", published=is_published),
    prefix="/things/{thing_id}",
)
router.include_router(
    exports_router(thing_questionnaire, export_permission="probe.export"), prefix="/things/{thing_id}"
)
PROBE = CivicModule(
    key="probe",
    title={"en": "Probe"},
    router=router,
    permissions=[
        Permission("probe.results", "Read unpublished results", frozenset({Role.admin, Role.moderator})),
        Permission("probe.export", "Export the responses", frozenset({Role.admin})),
    ],
)


@asynccontextmanager
async def probe_client(settings: Settings, db: Database, world: World) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with the probe module, enabled in both communes."""
    app = create_app(settings, registry=load_modules(None, extra=[PROBE]), database=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        for commune in ("alpha", "beta"):
            admin = world.headers("admin" if commune == "alpha" else "beta_admin")
            r = await c.put(f"/v1/communes/{commune}/modules/probe", json={}, headers=admin)
            assert r.status_code == 200, r.text
        yield c
