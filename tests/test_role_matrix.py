"""Role matrix: every write operation of the app, called by every kind of caller, answers as its rule says.

The route tables drive the test. The platform's own operations (identity, communes, verification, spaces)
are classified here in ``PLATFORM``; each module's are in its own route table (``route_table.py`` beside its
tests, registered with :mod:`civicapi.testing`), which this test gathers from every ``route_table.py`` under
``tests/`` (the example plugin's included). Every non-GET operation of the app's OpenAPI paths must have a
:class:`~civicapi.testing.Rule` saying who may call it: ``test_every_write_operation_is_classified`` fails,
naming the table to complete, when the app has an operation no table classifies (or a table names one the
app no longer has), so a new route must be classified before the build is green again.

Each operation is then called, on a fresh world, by every caller of ``CALLERS`` (the brief's eight, plus
the platform administrator so that ``PlatformAdmin`` routes have someone who passes):

* a caller the rule refuses gets 401 when anonymous and the rule needs authentication, else 403 with a
  ``/problems/forbidden`` problem document -- or, for the checks a module makes beyond role permissions
  (proposals: author, verification requirements, valuator assignment; budgets: vote requirements), the
  module's own 403 type, which the rule names (``problem=``);
* a caller the rule admits gets neither 401 nor 403 (nor a 5xx): a 2xx, 404, 409 or 422 depending on the
  body, which is "valid enough" (the tables' ``requests``; ``{}`` by default), is fine;
* every error answer is a problem document whose status the operation declares in OpenAPI.

Path ids come from resources created in alpha (the tables' ``factories``, and the spaces' from the kit):
the process, phase and component are published and the phase pinned active; the component belongs to the
operation's module (example for the platform's routes), with the settings its table asks for. A path
parameter without a factory fails the test until one is registered.

The admin of another commune (``beta_admin``) calling commune alpha holds no role there. Every rule below
answers it **403, not 404**: the permission dependencies run before the path resources are looked up, the
resources in the paths are published (a draft would be 404 for whoever may not see it), and a commune's
existence is public anyway (``GET /v1/communes/{commune}``); a rule that hides existence would say
``outsider=404``. Only ``Authenticated`` routes admit it (any logged-in person, member or not).

Callers the rule refuses are called first and those it admits last, so that a successful call (a delete,
a revocation) does not change what the refused callers see; each operation starts from a new world.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from civicapi.communes import service as communes
from civicapi.communes.schemas import CommuneCreate, MembershipCreate
from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.core.ratelimit import RateLimiter
from civicapi.identity import service as identity
from civicapi.registry import Role
from civicapi.testing import (
    CALLERS,
    Authenticated,
    Ctx,
    Factory,
    Owner,
    Perm,
    PlatformAdmin,
    Public,
    RequestFactory,
    RouteTable,
    Rule,
    forget_previous_world,
    gather,
    json_body,
    merged,
    no_body,
    operations,
    role_matrix,
    shared_app,
)
from tests.fixtures.factories import ROLES_IN_ALPHA, World, enable
from tests.identity.verification_helpers import ANNE, BRUNO, CSV, census_csv, upload_census, verify

TABLES: dict[str, RouteTable] = gather(Path(__file__).parent)
"""Every module's route table (each ``route_table.py`` under tests/ registers one)."""

# --- the platform's own rules -----------------------------------------------------------------------------

PLATFORM: dict[str, Rule] = {
    # identity: accounts and sessions
    "identity_register": Public(),
    "identity_confirm_email": Public(),
    "identity_login": Public(),
    "identity_refresh": Public(),
    "identity_password_forgot": Public(),
    "identity_password_reset": Public(),
    "identity_logout": Authenticated(),
    "identity_me_update": Authenticated(),
    "identity_password_change": Authenticated(),
    "identity_me_erase": Authenticated(),  # DELETE /v1/me: each caller erases their own account
    # communes
    "communes_create": PlatformAdmin(),
    "platform_events_retry": PlatformAdmin(),
    "communes_update": Perm("commune.manage"),
    "communes_modules_enable": Perm("commune.manage"),
    "communes_modules_disable": Perm("commune.manage"),
    "communes_members_add": Perm("commune.members.manage"),
    "communes_members_remove": Perm("commune.members.manage"),
    "api_keys_create": Perm("commune.api_keys.manage"),
    "api_keys_revoke": Perm("commune.api_keys.manage"),
    "invitations_create": Perm("members.invite"),
    "invitations_revoke": Perm("members.invite"),
    "invitations_accept": Public(),  # the mailed code is the credential
    "registrations_desk_create": Perm("identity.register.desk"),
    # verification
    "verification_census_replace": Perm("commune.census.manage"),
    # "Verify my account": any logged-in person, membership is not needed to prove residence.
    "verification_census_verify": Authenticated(),
    "verification_desk_verify": Perm("identity.verify.desk"),
    # The owner (the resident, whose verification is in the path) or a census manager.
    "verification_revoke": Owner("commune.census.manage"),
    # places (geocoding: the offline geocoder's address list)
    "places_addresses_replace": Perm("commune.manage"),
    # spaces
    "spaces_processes_create": Perm("spaces.manage"),
    "spaces_processes_update": Perm("spaces.manage"),
    "spaces_processes_delete": Perm("spaces.manage"),
    "spaces_processes_publish": Perm("spaces.manage"),
    "spaces_processes_unpublish": Perm("spaces.manage"),
    "spaces_processes_active_phase_set": Perm("spaces.manage"),
    "spaces_phases_create": Perm("spaces.manage"),
    "spaces_phases_update": Perm("spaces.manage"),
    "spaces_phases_delete": Perm("spaces.manage"),
    "spaces_components_create": Perm("spaces.manage"),
    "spaces_components_update": Perm("spaces.manage"),
    "spaces_components_delete": Perm("spaces.manage"),
    "spaces_components_publish": Perm("spaces.manage"),
    "spaces_components_unpublish": Perm("spaces.manage"),
    # places: districts (the commune's geography, drawn by its administrators)
    "places_districts_replace": Perm("commune.manage"),
    "places_districts_create": Perm("commune.manage"),
    "places_districts_update": Perm("commune.manage"),
    "places_districts_delete": Perm("commune.manage"),
    "places_boundary_set": Perm("commune.manage"),
    "places_boundary_delete": Perm("commune.manage"),
}
"""operationId -> who may call it, for the platform's operations (no module's)."""

KNOWN_BUGS: dict[tuple[str, str], str] = {}
"""(operationId, caller) -> why the app disagrees with ``PLATFORM``: run alone, as xfail(strict=True)."""

EXPECTED: dict[str, Rule] = merged([PLATFORM, *(t.rules for t in TABLES.values())], "operation")
"""operationId -> who may call it. Every non-GET operation of the app must be here."""
ALL_KNOWN_BUGS = merged([KNOWN_BUGS, *(t.known_bugs for t in TABLES.values())], "known bug")


@pytest.fixture(scope="module")
def app(database_url: str, engine: AsyncEngine) -> Any:
    """The conftest ``app``, built once for this module (see :func:`civicapi.testing.shared_app`). The
    database still starts empty for every test: the ``world`` fixture depends on ``db``, which empties the
    tables afterwards."""
    return shared_app(database_url, engine)


# --- the world each operation is called in ----------------------------------------------------------------


# --- the world each operation is called in ----------------------------------------------------------------


async def _membership(ctx: Ctx) -> str:
    """A role held by someone who is not one of the callers (removing it changes no caller's rights)."""
    body = {"email": "nobody@test.org", "role": "staff"}
    return str((await ctx.call("POST", "/members", body, ok=201))["id"])


async def _api_key(ctx: Ctx) -> str:
    return str((await ctx.call("POST", "/api-keys", {"name": "Portal", "scopes": ["read"]}, ok=201))["id"])


async def _invitation(ctx: Ctx) -> str:
    body = {"email": "invitee@example.org", "role": "staff"}
    return str((await ctx.call("POST", "/invitations", body, ok=201))["id"])


async def _district(ctx: Ctx) -> str:
    """A district of alpha (its code is the path parameter)."""
    square = [[5.55, 50.62], [5.6, 50.62], [5.6, 50.66], [5.55, 50.66], [5.55, 50.62]]
    body = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square]},
        "properties": {"code": "centre", "name": {"fr": "Centre"}},
    }
    return str((await ctx.call("POST", "/places/districts", body, ok=201))["id"])


async def _event(ctx: Ctx) -> str:
    """An outbox event's id; none waits in a new world, so those admitted get a 404."""
    return str(uuid.uuid4())


PLATFORM_FACTORIES: dict[str, tuple[tuple[str, ...], Factory]] = {
    "membership_id": ((), _membership),
    "api_key_id": ((), _api_key),
    "event_id": ((), _event),
    "invitation_id": ((), _invitation),
    "district_code": ((), _district),
}
"""The platform's path parameters (the spaces' come with the kit; the modules' with their tables)."""
FACTORIES = merged([PLATFORM_FACTORIES, *(t.factories for t in TABLES.values())], "path parameter")
# Path parameters that are not created per route: "verification_id" is the resident's own verification.
FIXED_PARAMS = {"commune": "alpha", "key": "example"}


@pytest.fixture
async def world(db: Database, app: Any) -> World:
    """The conftest ``world`` (alpha, beta and their people) plus the resident, a participant of alpha, built
    in one unit of work: one commit per person, over a new world per operation, would add up to seconds."""
    forget_previous_world(app)
    async with db.unit_of_work() as session:
        alpha, beta = [
            await communes.create_commune(
                session,
                CommuneCreate(slug=slug, name=slug.title(), locales=["fr", "nl", "en"], default_locale="fr"),
            )
            for slug in ("alpha", "beta")
        ]
        people = [
            ("platform", "platform@test.org", None, None),
            *((name, f"{name}@alpha.test.org", alpha, role) for name, role in ROLES_IN_ALPHA.items()),
            ("resident", "resident@alpha.test.org", alpha, Role.participant),
            ("outsider", "nobody@test.org", None, None),
            ("beta_admin", "admin@beta.test.org", beta, Role.admin),
        ]
        users = {}
        for name, email, commune, role in people:
            users[name] = await identity.create_user(
                session,
                email=email,
                display_name=email.split("@")[0],
                password=None,
                is_platform_admin=name == "platform",
            )
            if commune is not None and role is not None:
                await communes.add_member(
                    session, commune, MembershipCreate(user_id=users[name].id, role=role)
                )
    return World(app=app, alpha=alpha, beta=beta, users=users)


async def _build(client: httpx.AsyncClient, world: World, db: Database, app: Any, module: str) -> Ctx:
    """Alpha with the example module and ``module`` enabled, a census, and the resident verified in it."""
    for key in sorted({"example", module}):
        await enable(db, app, world.alpha, key)
    r = await upload_census(client, world)
    assert r.status_code == 200, r.text
    r = await verify(client, world.headers("resident"), ANNE)
    assert r.status_code == 201, r.text
    table = TABLES.get(module)
    return Ctx(
        client,
        world,
        module,
        ids={"verification_id": str(r.json()["id"])},
        component_settings=table.component_settings if table else {},
        step_settings=table.step_settings if table else {},
    )


# --- requests ---------------------------------------------------------------------------------------------

PLATFORM_REQUESTS: dict[str, RequestFactory] = {
    "communes_create": json_body(
        {"slug": "gamma", "name": "Gamma", "locales": ["fr"], "default_locale": "fr"}
    ),
    "communes_update": json_body({"name": "Alpha"}),
    "communes_members_add": json_body({"email": "nobody@test.org", "role": "valuator"}),
    "api_keys_create": json_body({"name": "Portal", "scopes": ["read"]}),
    "invitations_create": json_body({"email": "invitee@example.org", "role": "staff"}),
    "invitations_accept": json_body(
        {"code": "unknown", "display_name": "Rita", "password": "a long passphrase"}
    ),
    "registrations_desk_create": json_body({"email": "resident@example.org", "display_name": "Rita"}),
    "verification_census_replace": lambda ctx: {"content": census_csv(), "headers": {"Content-Type": CSV}},
    "verification_census_verify": json_body({"identifier": BRUNO[0], "birth_date": BRUNO[1]}),
    "places_addresses_replace": lambda ctx: {
        "content": b"street,latitude,longitude\nRue Neuve,50.64,5.57\n",
        "headers": {"Content-Type": CSV},
    },
    "verification_desk_verify": json_body(
        {"email": "participant@alpha.test.org", "identifier": "EM 1234567"}
    ),
    "spaces_processes_create": json_body({"slug": "bp-2027", "title": {"fr": "Budget 2027"}}),
    "spaces_processes_update": json_body({"title": {"fr": "Budget participatif"}}),
    "spaces_processes_active_phase_set": json_body({"phase_id": None}),
    "spaces_phases_create": json_body(
        {"title": {"fr": "Vote"}, "start_date": "2027-01-01", "end_date": "2027-03-31"}
    ),
    "spaces_phases_update": json_body({"title": {"fr": "Vote"}}),
    "spaces_components_create": json_body({"module_key": "example", "name": {"fr": "Autre"}}),
    "spaces_components_update": json_body({"name": {"fr": "Exemple"}}),
}
"""operationId -> a valid-enough request (httpx keyword arguments) for the platform's operations; by default
``{}`` as the JSON body, and no body for DELETE."""
REQUESTS = merged([PLATFORM_REQUESTS, *(t.requests for t in TABLES.values())], "request of")

# --- the route table --------------------------------------------------------------------------------------


def _cases() -> Iterable[Any]:
    for operation_id in sorted(EXPECTED):
        yield pytest.param(operation_id, None, id=operation_id)
    for (operation_id, who), reason in sorted(ALL_KNOWN_BUGS.items()):
        mark = pytest.mark.xfail(strict=True, reason=reason)
        yield pytest.param(operation_id, who, id=f"{operation_id}-{who}", marks=mark)


def _table_of(path: str) -> RouteTable | None:
    return next((t for t in TABLES.values() if t.owns(path)), None)


def test_every_write_operation_is_classified(app: Any) -> None:
    ops = operations(app)
    unclassified = [o for o in ops.values() if o.operation_id not in EXPECTED]
    missing = []
    for o in sorted(unclassified, key=lambda o: o.operation_id):
        table = _table_of(o.path)
        where = (
            table.origin if table else "PLATFORM of tests/test_role_matrix.py (or the module's route table)"
        )
        missing.append(f"{o.operation_id} ({o.method} {o.path}): classify it in {where}")
    assert not missing, "classify these operations:\n" + "\n".join(missing)
    stale = sorted(set(EXPECTED) - set(ops))
    assert not stale, f"the route tables name operations the app does not have: {stale}"
    misplaced = sorted(o for o in PLATFORM if _table_of(ops[o].path) is not None)
    assert not misplaced, f"these belong in their module's route table, not in PLATFORM: {misplaced}"
    for table in TABLES.values():
        strays = sorted(o for o in table.rules if not table.owns(ops[o].path))
        assert not strays, f"{table.origin} classifies operations outside its module: {strays}"
    assert not set(ALL_KNOWN_BUGS) - {(o, w) for o in EXPECTED for w in CALLERS}


def _module_of(app: Any, path: str) -> str:
    table = _table_of(path)
    return table.key if table and table.key in app.state.registry.keys else "example"


@pytest.mark.parametrize(("operation_id", "only"), list(_cases()))
async def test_role_matrix(
    operation_id: str, only: str | None, client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    op = operations(app).get(operation_id)
    if op is None:
        pytest.fail(f"the app has no operation {operation_id!r}: remove it from its route table")
    rule = EXPECTED[operation_id]
    settings: Settings = app.state.settings
    # The app is shared by the module's tests; its rate-limit counters are not.
    app.state.limiter = RateLimiter(settings.rate_limit_storage, enabled=settings.rate_limits_enabled)
    ctx = await _build(client, world, db, app, _module_of(app, op.path))
    if only is None:
        callers = [name for name in CALLERS if (operation_id, name) not in ALL_KNOWN_BUGS]
    else:
        callers = [only]
    default = no_body if op.method == "DELETE" else json_body({})
    problems = await role_matrix(
        ctx,
        app,
        op,
        rule,
        factories=FACTORIES,
        request=REQUESTS.get(operation_id, default),
        callers=callers,
        fixed=FIXED_PARAMS,
    )
    assert not problems, f"{op.method} {op.path} ({operation_id}, {rule}):\n" + "\n".join(problems)
