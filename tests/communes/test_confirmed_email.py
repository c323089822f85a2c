"""CIVICAPI_REQUIRE_CONFIRMED_EMAIL: a person whose email address is not confirmed may read but not take
part (verify, propose, support, vote ...); one check, in the caller dependency, covers every write."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import update

from civicapi.communes.dependencies import get_caller
from civicapi.config import Environment, Settings
from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from civicapi.identity.models import User
from civicapi.main import create_app
from civicapi.openapi_doc import render_openapi
from civicapi.registry import load_modules
from tests.fixtures.factories import World, bearer, make_user
from tests.identity.verification_helpers import ANNE, upload_census, verifications, verify
from tests.modules.budgets import helpers as budgets
from tests.modules.proposals import helpers as proposals


async def _set_confirmed(db: Database, user: User, confirmed: bool) -> None:
    async with db.unit_of_work() as session:
        await session.execute(
            update(User).where(User.id == user.id).values(email_confirmed_at=utcnow() if confirmed else None)
        )


def _refused(r: httpx.Response) -> None:
    assert r.status_code == 403, r.text
    assert r.json()["reason"] == "email_not_confirmed"
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_unconfirmed_people_cannot_verify_and_confirmed_can(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    assert (await upload_census(client, world)).status_code == 200
    person = await make_user(db, "unconfirmed@people.test", confirmed=False)
    _refused(await verify(client, bearer(app, person), ANNE))
    assert await verifications(db) == []
    # reading is not taking part
    assert (
        await client.get("/v1/communes/alpha/verification-handlers", headers=bearer(app, person))
    ).is_success
    await _set_confirmed(db, person, True)
    assert (await verify(client, bearer(app, person), ANNE)).status_code == 201


async def test_unconfirmed_people_cannot_propose_or_support(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await proposals.make_component(client, world)
    proposal = await proposals.create(client, comp, world.headers("participant"))
    person = await make_user(db, "unconfirmed@people.test", confirmed=False)
    before = await proposals.count_rows(db)
    body = {"title": proposals.TITLE, "body": proposals.BODY}
    _refused(await client.post(comp.proposals, json=body, headers=bearer(app, person)))
    _refused(await client.post(comp.proposal(proposal["id"]) + "/supports", headers=bearer(app, person)))
    assert await proposals.count_rows(db) == before
    await _set_confirmed(db, person, True)
    assert (await client.post(comp.proposals, json=body, headers=bearer(app, person))).status_code == 201
    r = await client.post(comp.proposal(proposal["id"]) + "/supports", headers=bearer(app, person))
    assert r.status_code == 201, r.text


async def test_unconfirmed_people_cannot_vote(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    comp = await budgets.make_component(client, world)
    budget = await budgets.make_budget(client, world, comp)
    projects = await budgets.make_projects(client, world, comp, budget["id"], [40_000, 30_000])
    user, headers = await budgets.resident(db, app, world, "V-1")
    await _set_confirmed(db, user, False)
    url = comp.ballot(budget["id"])
    # warm the row memo, so that on PostgreSQL the ballot lane is offered the request too
    assert (await client.get(url, headers=headers)).status_code == 404
    before = await budgets.count_rows(db)
    _refused(await client.post(url, json={"projects": [projects[0]["id"]]}, headers=headers))
    assert await budgets.count_rows(db) == before
    await _set_confirmed(db, user, True)
    r = await client.post(url, json={"projects": [projects[0]["id"]]}, headers=headers)
    assert r.status_code == 201, r.text


async def test_the_setting_off_lets_unconfirmed_people_take_part(
    settings: Settings, db: Database, world: World
) -> None:
    relaxed = settings.model_copy(update={"require_confirmed_email": False})
    app = create_app(relaxed, registry=load_modules(None), database=db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await upload_census(client, world)).status_code == 200
        person = await make_user(db, "unconfirmed@people.test", confirmed=False)
        assert (await verify(client, bearer(app, person), ANNE)).status_code == 201


@pytest.mark.parametrize(
    ("env", "explicit", "required"),
    [
        (Environment.development, None, False),
        (Environment.test, None, True),
        (Environment.production, None, True),
        (Environment.development, True, True),
        (Environment.test, False, False),
    ],
)
def test_the_default_depends_on_the_environment(
    env: Environment, explicit: bool | None, required: bool
) -> None:
    extra: dict[str, Any] = {}
    if env is Environment.production:
        extra = {"secret_key": "x" * 40, "mail_backend": "smtp"}
    settings = Settings(env=env, require_confirmed_email=explicit, **extra)
    assert settings.confirmed_email_required is required


def _depends_on(dependant: Dependant, call: Any) -> bool:
    return dependant.call is call or any(_depends_on(d, call) for d in dependant.dependencies)


def test_every_write_in_a_commune_goes_through_the_caller() -> None:
    """The check lives in ``get_caller`` alone: a write under ``/v1/communes/{commune}`` that did not
    depend on it would escape the rule."""
    app = create_app(Settings(env=Environment.test), registry=load_modules(None))
    escaping = [
        (sorted(route.methods), route.path)
        for route in app.routes
        if isinstance(route, APIRoute)
        and route.path.startswith("/v1/communes/{commune}")
        and route.methods - {"GET", "HEAD", "OPTIONS"}
        and not _depends_on(route.dependant, get_caller)
    ]
    assert escaping == []


def test_every_write_in_a_commune_declares_the_403() -> None:
    """Any of them may answer 403 ``email_not_confirmed``: the OpenAPI document says so."""
    document = json.loads(render_openapi())
    undeclared = [
        operation["operationId"]
        for path, item in document["paths"].items()
        if path.startswith("/v1/communes/{commune}")
        for method, operation in item.items()
        if method in {"post", "put", "patch", "delete"} and "403" not in operation["responses"]
    ]
    assert undeclared == []
