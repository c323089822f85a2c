"""Role matrix: every write operation of the app, called by every kind of caller, answers as its rule says.

The route table drives the test. ``EXPECTED`` classifies every non-GET operation of the app's OpenAPI paths
(the platform's and the installed modules', the ``example`` test plugin included) by operationId with a
:class:`Rule` saying who may call it; ``test_every_write_operation_is_classified`` fails, listing them,
when the app has an operation that is not in the table (or the table names one the app no longer has), so
a new route must be classified before the build is green again.

Each operation is then called, on a fresh world, by every caller of ``CALLERS`` (the brief's eight, plus
the platform administrator so that ``PlatformAdmin`` routes have someone who passes):

* a caller the rule refuses gets 401 when anonymous and the rule needs authentication, else 403 with a
  ``/problems/forbidden`` problem document -- or, for the checks a module makes beyond role permissions
  (proposals: author, verification requirements, valuator assignment; budgets: vote requirements), the
  module's own 403 type, which the rule names (``problem=``);
* a caller the rule admits gets neither 401 nor 403 (nor a 5xx): a 2xx, 404, 409 or 422 depending on the
  body, which is "valid enough" (``REQUESTS``; ``{}`` by default), is fine.

Path ids come from resources created in alpha (``FACTORIES``): the process, phase and component are
published and the phase pinned active; the component belongs to the operation's module (example for the
platform's routes); the proposal was created and published by the resident, who supports it, and the
valuator is assigned to it; the budget's project is in the resident's ballot in progress. A path parameter
without a factory fails the test until one is registered.

The admin of another commune (``beta_admin``) calling commune alpha holds no role there. Every rule below
answers it **403, not 404**: the permission dependencies run before the path resources are looked up, the
resources in the paths are published (a draft would be 404 for whoever may not see it), and a commune's
existence is public anyway (``GET /v1/communes/{commune}``); a rule that hides existence would say
``outsider=404``. Only ``Authenticated`` routes admit it (any logged-in person, member or not).

Callers the rule refuses are called first and those it admits last, so that a successful call (a delete,
a revocation) does not change what the refused callers see; each operation starts from a new world.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from civicapi.communes import service as communes
from civicapi.communes.permissions import PermissionPolicy
from civicapi.communes.schemas import CommuneCreate, MembershipCreate
from civicapi.config import Environment, Settings
from civicapi.core.db.session import Database
from civicapi.core.ratelimit import RateLimiter
from civicapi.identity import service as identity
from civicapi.main import create_app
from civicapi.registry import Role, load_modules
from tests.fixtures.factories import ROLES_IN_ALPHA, World, enable
from tests.identity.verification_helpers import ANNE, BRUNO, CSV, census_csv, upload_census, verify

# --- callers ----------------------------------------------------------------------------------------------

CALLERS: dict[str, frozenset[str]] = {
    "anonymous": frozenset(),
    "participant": frozenset({Role.participant.value}),
    "resident": frozenset({Role.participant.value}),  # a participant verified against alpha's census
    **{name: frozenset({ROLES_IN_ALPHA[name].value}) for name in ("staff", "moderator", "valuator", "admin")},
    "beta_admin": frozenset(),  # admin of beta: no role in alpha
    "platform": frozenset(),  # platform administrator: no membership, above communes
}
"""Who calls, and the roles they hold in alpha (the commune every commune-scoped call goes to)."""


@dataclass(frozen=True)
class Expect:
    """The answer a caller should get: let through (``status`` None), or refused with a problem type."""

    status: int | None
    problem: str | None = None

    @property
    def allowed(self) -> bool:
        return self.status is None


ALLOWED = Expect(None)


@dataclass(frozen=True)
class Who:
    name: str
    roles: frozenset[str]

    @property
    def anonymous(self) -> bool:
        return self.name == "anonymous"

    @property
    def platform_admin(self) -> bool:
        return self.name == "platform"


# --- rules ------------------------------------------------------------------------------------------------


MODULE_FORBIDDEN = "proposals-action-forbidden"
"""The proposals module's 403 (a ``Forbidden`` with a ``reason``) for checks that are not role permissions:
``not_an_author``, ``requirements_not_met``, ``not_assigned``."""
VOTE_FORBIDDEN = "budgets-vote-forbidden"
"""The budgets module's 403 for voters: ``requirements_not_met`` (the component's vote requirements)."""


@dataclass(frozen=True)
class Rule:
    outsider: int = field(default=403, kw_only=True)
    """What beta_admin, who holds no role in alpha, gets when refused (404 for a rule hiding existence)."""

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        raise NotImplementedError

    def refused(self, who: Who, problem: str = "forbidden") -> Expect:
        if who.anonymous:
            return Expect(401, "unauthorized")
        if who.name == "beta_admin" and self.outsider == 404:
            return Expect(404, "not-found")
        return Expect(403, problem)


@dataclass(frozen=True)
class Public(Rule):
    """Anyone, anonymous included (login, registration, password reset...)."""

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        return ALLOWED


@dataclass(frozen=True)
class Authenticated(Rule):
    """Any logged-in person, whatever their roles (the admin of another commune included)."""

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        return self.refused(who) if who.anonymous else ALLOWED


@dataclass(frozen=True)
class PlatformAdmin(Rule):
    """Platform administrators only: commune roles, even admin, do not count."""

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        return ALLOWED if who.platform_admin else self.refused(who)


@dataclass(frozen=True)
class Perm(Rule):
    """Holders of ``permission`` in the commune, resolved through the app's ``PermissionPolicy`` (and the
    platform administrator, who holds every permission)."""

    permission: str

    def holds(self, who: Who, policy: PermissionPolicy) -> bool:
        assert self.permission in policy.declared, f"{self.permission!r} is not a declared permission"
        return who.platform_admin or (not who.anonymous and policy.allows(who.roles, self.permission))

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        return ALLOWED if self.holds(who, policy) else self.refused(who)


@dataclass(frozen=True)
class Owner(Rule):
    """The resource's owner (the caller named ``owner``), or a holder of ``override`` when there is one;
    others get 403 of type ``problem``."""

    override: str | None
    owner: str = "resident"
    problem: str = "forbidden"

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        if who.anonymous:
            return self.refused(who)
        if who.name == self.owner or (self.override and Perm(self.override).holds(who, policy)):
            return ALLOWED
        return self.refused(who, self.problem)


@dataclass(frozen=True)
class Verified(Rule):
    """Logged-in people who meet the component's verification requirements: the resident (census-verified
    in alpha). Not a role permission: admins and the platform administrator are refused too."""

    verified: tuple[str, ...] = ("resident",)
    problem: str = MODULE_FORBIDDEN

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        return ALLOWED if who.name in self.verified else self.refused(who, self.problem)


@dataclass(frozen=True)
class Assigned(Rule):
    """Holders of ``permission`` (else the usual 403) who are also assigned to the resource (the others
    get 403 of type ``problem``)."""

    permission: str
    assigned: tuple[str, ...] = ("valuator",)
    problem: str = MODULE_FORBIDDEN

    def expect(self, who: Who, policy: PermissionPolicy) -> Expect:
        if not Perm(self.permission).holds(who, policy):
            return self.refused(who)
        return ALLOWED if who.name in self.assigned else self.refused(who, self.problem)


EXPECTED: dict[str, Rule] = {
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
    # the example test plugin (tests/fixtures/example_plugin)
    "example_echo": Perm("example.echo"),
    "example_notes_create": Perm("example.note"),
    "example_notes_withdraw": Perm("example.note"),  # the path's note is staff's; admins also moderate
    # proposals (the path's proposal is published, by the resident; the valuator is assigned to it)
    "proposals_create": Verified(),  # component's create_requirements: census
    "proposals_update": Owner(None, problem=MODULE_FORBIDDEN),  # its authors only (not official)
    "proposals_delete": Owner(None, problem=MODULE_FORBIDDEN),
    "proposals_publish": Owner(None, problem=MODULE_FORBIDDEN),
    "proposals_withdraw": Owner(None, problem=MODULE_FORBIDDEN),
    "proposals_authors_add": Owner(None, problem=MODULE_FORBIDDEN),
    "proposals_authors_remove": Owner(None, problem=MODULE_FORBIDDEN),
    "proposals_supports_create": Verified(),  # component's support_requirements: census
    # Taking one's support back needs no verification (the resident gave one; the others get 404).
    "proposals_supports_delete": Authenticated(),
    "proposals_states_create": Perm("proposals.manage"),
    "proposals_states_update": Perm("proposals.manage"),
    "proposals_states_delete": Perm("proposals.manage"),
    "proposals_criteria_create": Perm("proposals.manage"),
    "proposals_criteria_update": Perm("proposals.manage"),
    "proposals_criteria_delete": Perm("proposals.manage"),
    "proposals_answer": Perm("proposals.answer"),
    "proposals_answers_publish": Perm("proposals.answer"),
    "proposals_valuators_assign": Perm("proposals.assign_valuators"),
    "proposals_valuators_unassign": Perm("proposals.assign_valuators"),
    # proposals.review (admin, valuator), and assigned to the proposal: only the valuator is.
    "proposals_review_save": Assigned("proposals.review"),
    "proposals_import": Perm("proposals.import"),
    # budgets (the path's budget has a project, in the resident's ballot in progress)
    "budgets_create": Perm("budgets.manage"),
    "budgets_update": Perm("budgets.manage"),
    "budgets_delete": Perm("budgets.manage"),
    "budgets_close": Perm("budgets.manage"),
    "budgets_remind": Perm("budgets.manage"),
    "budgets_import_pabulib": Perm("budgets.manage"),
    "budgets_projects_create": Perm("budgets.manage"),
    "budgets_projects_update": Perm("budgets.manage"),
    "budgets_projects_delete": Perm("budgets.manage"),
    "budgets_import_proposals": Perm("budgets.manage"),
    # Voting: the component's vote_requirements (census); not a role permission.
    "budgets_ballot_submit": Verified(problem=VOTE_FORBIDDEN),
    "budgets_ballot_replace": Verified(problem=VOTE_FORBIDDEN),
    "budgets_ballot_add": Verified(problem=VOTE_FORBIDDEN),
    "budgets_ballot_checkout": Verified(problem=VOTE_FORBIDDEN),
    # One's own ballot: withdrawing it or taking a project out needs no verification (404/409 without one).
    "budgets_ballot_withdraw": Authenticated(),
    "budgets_ballot_remove": Authenticated(),
    "budgets_paper_ballots_create": Perm("budgets.paper_ballots"),
    "budgets_count": Perm("budgets.count"),
    "budgets_count_runs_publish": Perm("budgets.count"),
    # accountability
    "accountability_results_create": Perm("accountability.manage"),
    "accountability_results_update": Perm("accountability.manage"),
    "accountability_results_delete": Perm("accountability.manage"),
    "accountability_statuses_create": Perm("accountability.manage"),
    "accountability_statuses_update": Perm("accountability.manage"),
    "accountability_statuses_delete": Perm("accountability.manage"),
    "accountability_import_budget_projects": Perm("accountability.manage"),
    "accountability_results_progress": Perm("accountability.progress"),  # admin, staff
    "accountability_milestones_create": Perm("accountability.progress"),
    "accountability_milestones_update": Perm("accountability.progress"),
    "accountability_milestones_delete": Perm("accountability.progress"),
    "accountability_import": Perm("accountability.import"),
}
"""operationId -> who may call it. Every non-GET operation of the app must be here."""

KNOWN_BUGS: dict[tuple[str, str], str] = {}
"""(operationId, caller) -> why the app disagrees with ``EXPECTED``: run alone, as xfail(strict=True)."""


@pytest.fixture(scope="module")
def app(database_url: str, engine: AsyncEngine) -> Any:
    """The conftest ``app``, built once for this module: FastAPI prepares an app's routes on its first request
    (more than a second), which one app per operation would pay again and again. The database still starts
    empty for every test: the ``world`` fixture depends on ``db``, which empties the tables afterwards."""
    settings = Settings(
        env=Environment.test,
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",  # type: ignore[arg-type]
        modules=None,
        max_body_bytes=65_536,
    )
    return create_app(settings, registry=load_modules(None), database=Database(engine))


# --- the world each operation is called in ----------------------------------------------------------------


@dataclass
class Ctx:
    client: httpx.AsyncClient
    world: World
    module: str
    """The module whose component the path's ``component_id`` is: the operation's module, else example."""
    ids: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str = "admin") -> dict[str, str]:
        return self.world.headers(who)

    def user_id(self, who: str) -> str:
        return str(self.world.users[who].id)

    async def call(
        self, method: str, url: str, body: Any = None, *, who: str = "admin", ok: int = 200
    ) -> Any:
        r = await self.client.request(
            method, "/v1/communes/alpha" + url, json=body, headers=self.headers(who)
        )
        assert r.status_code == ok, f"{method} {url}: {r.status_code} {r.text}"
        return r.json() if r.content else None


async def _process(ctx: Ctx) -> str:
    body = {"slug": "bp-2026", "title": {"fr": "Budget participatif"}}
    return str((await ctx.call("POST", "/processes", body, ok=201))["id"])


async def _phase(ctx: Ctx) -> str:
    body = {"title": {"fr": "Dépôt et soutiens"}, "start_date": "2026-01-01", "end_date": "2026-12-31"}
    return str((await ctx.call("POST", f"/processes/{ctx.ids['process_id']}/phases", body, ok=201))["id"])


STEP_SETTINGS = {
    "proposals": {"creation_enabled": True, "supports_enabled": True},
    "budgets": {"votes": "enabled"},
}
COMPONENT_SETTINGS = {
    "proposals": {
        "create_requirements": [{"handler": "census"}],
        "support_requirements": [{"handler": "census"}],
    },
    "budgets": {"vote_requirements": [{"handler": "census"}]},
}


async def _component(ctx: Ctx) -> str:
    """A published component of ``ctx.module`` in a published process, whose pinned phase opens it."""
    process, phase = ctx.ids["process_id"], ctx.ids["phase_id"]
    body = {
        "module_key": ctx.module,
        "name": {"fr": "Composant"},
        "settings": COMPONENT_SETTINGS.get(ctx.module, {}),
        "step_settings": {phase: STEP_SETTINGS.get(ctx.module, {})},
    }
    component = str((await ctx.call("POST", f"/processes/{process}/components", body, ok=201))["id"])
    await ctx.call("PUT", f"/processes/{process}/active-phase", {"phase_id": phase})
    await ctx.call("POST", f"/processes/{process}/publish")
    await ctx.call("POST", f"/processes/{process}/components/{component}/publish")
    return component


PROPOSALS = "/proposals/components/{component_id}"


async def _proposal(ctx: Ctx) -> str:
    """A proposal the resident created, published and supports; the valuator is assigned to review it."""
    base = PROPOSALS.format(**ctx.ids) + "/proposals"
    body = {"title": {"fr": "Un potager collectif"}, "body": {"fr": "Des bacs de culture sur la place."}}
    proposal = str((await ctx.call("POST", base, body, who="resident", ok=201))["id"])
    await ctx.call("POST", f"{base}/{proposal}/publish", who="resident")
    await ctx.call("POST", f"{base}/{proposal}/supports", who="resident", ok=201)
    await ctx.call("POST", f"{base}/{proposal}/valuators", {"user_id": ctx.user_id("valuator")}, ok=201)
    return proposal


async def _criterion(ctx: Ctx) -> str:
    body = {"label": {"fr": "Relève de la compétence communale"}}
    return str((await ctx.call("POST", PROPOSALS.format(**ctx.ids) + "/criteria", body, ok=201))["id"])


async def _state(ctx: Ctx) -> str:
    body = {"token": "feasible", "name": {"fr": "Faisable"}}
    return str((await ctx.call("POST", PROPOSALS.format(**ctx.ids) + "/states", body, ok=201))["token"])


BUDGETS = "/budgets/components/{component_id}/budgets"


async def _budget(ctx: Ctx) -> str:
    """A budget with one project (``project_id``), which the resident put in their ballot in progress."""
    base = BUDGETS.format(**ctx.ids)
    body = {"title": {"fr": "Budget participatif"}, "total_amount": 100_000}
    budget = str((await ctx.call("POST", base, body, ok=201))["id"])
    body = {"title": {"fr": "Un potager collectif"}, "cost": 10_000}
    ctx.ids["project_id"] = str((await ctx.call("POST", f"{base}/{budget}/projects", body, ok=201))["id"])
    body = {"project_id": ctx.ids["project_id"]}
    await ctx.call("POST", f"{base}/{budget}/ballot/projects", body, who="resident")
    return budget


async def _count_run(ctx: Ctx) -> str:
    """A finished, unpublished count run of the budget, whose vote is closed for it."""
    base = BUDGETS.format(**ctx.ids) + f"/{ctx.ids['budget_id']}"
    await ctx.call("POST", f"{base}/close")
    body = {"publish": False, "background": False}
    return str((await ctx.call("POST", f"{base}/count-runs", body, ok=201))["id"])


RESULTS = "/accountability/components/{component_id}"


async def _status(ctx: Ctx) -> str:
    body = {"key": "works", "name": {"fr": "Travaux en cours"}, "progress": 50}
    return str((await ctx.call("POST", RESULTS.format(**ctx.ids) + "/statuses", body, ok=201))["id"])


async def _result(ctx: Ctx) -> str:
    body = {"title": {"fr": "Un potager collectif"}}
    return str((await ctx.call("POST", RESULTS.format(**ctx.ids) + "/results", body, ok=201))["id"])


async def _milestone(ctx: Ctx) -> str:
    url = RESULTS.format(**ctx.ids) + f"/results/{ctx.ids['result_id']}/milestones"
    body = {"entry_date": "2026-04-15", "title": {"fr": "Début des travaux"}}
    return str((await ctx.call("POST", url, body, ok=201))["id"])


async def _membership(ctx: Ctx) -> str:
    """A role held by someone who is not one of the callers (removing it changes no caller's rights)."""
    body = {"email": "nobody@test.org", "role": "staff"}
    return str((await ctx.call("POST", "/members", body, ok=201))["id"])


async def _api_key(ctx: Ctx) -> str:
    return str((await ctx.call("POST", "/api-keys", {"name": "Portal", "scopes": ["read"]}, ok=201))["id"])


async def _invitation(ctx: Ctx) -> str:
    body = {"email": "invitee@example.org", "role": "staff"}
    return str((await ctx.call("POST", "/invitations", body, ok=201))["id"])


async def _valuator(ctx: Ctx) -> str:
    """``user_id`` paths (a valuator to unassign, a co-author to remove): the valuator."""
    return ctx.user_id("valuator")


async def _note(ctx: Ctx) -> str:
    body = {"title": "Travaux", "body": "La rue est fermée lundi."}
    return str((await ctx.call("POST", "/example/notes", body, who="staff", ok=201))["id"])


async def _event(ctx: Ctx) -> str:
    """An outbox event's id; none waits in a new world, so those admitted get a 404."""
    return str(uuid.uuid4())


Factory = Callable[[Ctx], Awaitable[str]]
# Path parameter -> (parameters it needs first, how to create such a resource in alpha).
FACTORIES: dict[str, tuple[tuple[str, ...], Factory]] = {
    "process_id": ((), _process),
    "phase_id": (("process_id",), _phase),
    "component_id": (("process_id", "phase_id"), _component),
    "proposal_id": (("component_id",), _proposal),
    "criterion_id": (("component_id",), _criterion),
    "token": (("component_id",), _state),
    "budget_id": (("component_id",), _budget),
    "project_id": (("budget_id",), _budget),  # made with the budget
    "run_id": (("budget_id",), _count_run),
    "status_id": (("component_id",), _status),
    "result_id": (("component_id",), _result),
    "milestone_id": (("result_id",), _milestone),
    "user_id": ((), _valuator),
    "membership_id": ((), _membership),
    "api_key_id": ((), _api_key),
    "invitation_id": ((), _invitation),
    "event_id": ((), _event),
    "note_id": ((), _note),
}
# Path parameters that are not created per route: "verification_id" is the resident's own verification.
FIXED_PARAMS = {"commune": "alpha", "key": "example"}


async def _resolve(ctx: Ctx, name: str) -> str:
    if name not in ctx.ids:
        assert name in FACTORIES, f"register a factory for path parameter {name!r} in {__name__}"
        needs, factory = FACTORIES[name]
        for dependency in needs:
            await _resolve(ctx, dependency)
        ctx.ids[name] = await factory(ctx)
    return ctx.ids[name]


@pytest.fixture
async def world(db: Database, app: Any) -> World:
    """The conftest ``world`` (alpha, beta and their people) plus the resident, a participant of alpha, built
    in one unit of work: one commit per person, over a new world per operation, would add up to seconds."""
    # The module's app outlives each test's tables: what it kept from the last world (rows, answers) is
    # another database's now.
    app.state.db.row_memo.clear()
    app.state.db.generation += 1
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
    return Ctx(client, world, module, ids={"verification_id": str(r.json()["id"])})


# --- requests ---------------------------------------------------------------------------------------------

RequestFactory = Callable[[Ctx], dict[str, Any]]


def _json(body: dict[str, Any]) -> RequestFactory:
    return lambda ctx: {"json": body}


def _no_body(ctx: Ctx) -> dict[str, Any]:
    return {}


def _csv(text: str) -> RequestFactory:
    return lambda ctx: {"content": text.encode(), "headers": {"Content-Type": CSV}}


REQUESTS: dict[str, RequestFactory] = {
    "communes_create": _json({"slug": "gamma", "name": "Gamma", "locales": ["fr"], "default_locale": "fr"}),
    "communes_update": _json({"name": "Alpha"}),
    "communes_members_add": _json({"email": "nobody@test.org", "role": "valuator"}),
    "api_keys_create": _json({"name": "Portal", "scopes": ["read"]}),
    "invitations_create": _json({"email": "invitee@example.org", "role": "staff"}),
    "invitations_accept": _json({"code": "unknown", "display_name": "Rita", "password": "a long passphrase"}),
    "registrations_desk_create": _json({"email": "resident@example.org", "display_name": "Rita"}),
    "verification_census_replace": lambda ctx: {"content": census_csv(), "headers": {"Content-Type": CSV}},
    "verification_census_verify": _json({"identifier": BRUNO[0], "birth_date": BRUNO[1]}),
    "verification_desk_verify": _json({"email": "participant@alpha.test.org", "identifier": "EM 1234567"}),
    "spaces_processes_create": _json({"slug": "bp-2027", "title": {"fr": "Budget 2027"}}),
    "spaces_processes_update": _json({"title": {"fr": "Budget participatif"}}),
    "spaces_processes_active_phase_set": _json({"phase_id": None}),
    "spaces_phases_create": _json(
        {"title": {"fr": "Vote"}, "start_date": "2027-01-01", "end_date": "2027-03-31"}
    ),
    "spaces_phases_update": _json({"title": {"fr": "Vote"}}),
    "spaces_components_create": _json({"module_key": "example", "name": {"fr": "Autre"}}),
    "spaces_components_update": _json({"name": {"fr": "Exemple"}}),
    "example_echo": _json({"text": "bonjour"}),
    "example_notes_create": _json({"title": "Travaux", "body": "La rue est fermée lundi."}),
    "proposals_create": _json(
        {"title": {"fr": "Des bancs au parc"}, "body": {"fr": "Trois bancs près de l'aire de jeux."}}
    ),
    "proposals_update": _json({"title": {"fr": "Un potager partagé"}}),
    "proposals_authors_add": lambda ctx: {"json": {"user_id": ctx.user_id("participant")}},
    "proposals_states_create": _json({"token": "unfeasible", "name": {"fr": "Infaisable"}}),
    "proposals_states_update": _json({"name": {"fr": "Réalisable"}}),
    "proposals_criteria_create": _json({"label": {"fr": "Sert l'intérêt général"}}),
    "proposals_criteria_update": _json({"label": {"fr": "Relève de la commune"}}),
    "proposals_answer": _json({"state": "accepted", "answer": {"fr": "Le collège la retient."}}),
    "proposals_answers_publish": _json({"proposal_ids": None}),
    "proposals_valuators_assign": lambda ctx: {"json": {"user_id": ctx.user_id("valuator")}},
    "proposals_review_save": _json({"notes": "Vu sur place."}),
    "budgets_create": _json({"title": {"fr": "Budget 2027"}, "total_amount": 50_000}),
    "budgets_update": _json({"title": {"fr": "Budget du quartier"}}),
    "budgets_projects_create": _json({"title": {"fr": "Des bancs"}, "cost": 5_000}),
    "budgets_projects_update": _json({"cost": 12_000}),
    "budgets_ballot_submit": lambda ctx: {"json": {"projects": [ctx.ids["project_id"]]}},
    "budgets_ballot_replace": lambda ctx: {"json": {"projects": [ctx.ids["project_id"]]}},
    "budgets_ballot_add": lambda ctx: {"json": {"project_id": ctx.ids["project_id"]}},
    "budgets_paper_ballots_create": lambda ctx: {
        "json": {"identifier": BRUNO[0], "projects": [ctx.ids["project_id"]]}
    },
    "budgets_count": _json({"publish": False, "background": False}),
    "accountability_results_create": _json({"title": {"fr": "Des bancs au parc"}}),
    "accountability_results_update": _json({"title": {"fr": "Un potager partagé"}}),
    "accountability_results_progress": _json({"progress": 65}),
    "accountability_statuses_create": _json({"key": "done", "name": {"fr": "Terminé"}, "progress": 100}),
    "accountability_statuses_update": _json({"name": {"fr": "Chantier"}}),
    "accountability_milestones_create": _json({"entry_date": "2026-05-01", "title": {"fr": "Livraison"}}),
    "accountability_milestones_update": _json({"title": {"fr": "Bacs livrés"}}),
    "accountability_import": _csv("external_id,title_fr\nR-1,Un banc devant l'école\n"),
    "proposals_import": _csv("title_fr,body_fr\nUn banc,Un banc public devant l'école communale.\n"),
}
"""operationId -> a valid-enough request (httpx keyword arguments); by default ``{}`` as the JSON body, and
no body for DELETE."""

# --- the route table --------------------------------------------------------------------------------------

WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str


def write_operations(app: Any) -> dict[str, Operation]:
    """Every non-GET operation in the app's OpenAPI paths, by operationId (``METHOD path`` when it has none)."""
    ops: dict[str, Operation] = {}
    for path, item in app.openapi()["paths"].items():
        for method, op in item.items():
            if method in WRITE_METHODS:
                key = op.get("operationId") or f"{method.upper()} {path}"
                ops[key] = Operation(method.upper(), path, key)
    return ops


def _cases() -> Iterable[Any]:
    for operation_id in sorted(EXPECTED):
        yield pytest.param(operation_id, None, id=operation_id)
    for (operation_id, who), reason in sorted(KNOWN_BUGS.items()):
        mark = pytest.mark.xfail(strict=True, reason=reason)
        yield pytest.param(operation_id, who, id=f"{operation_id}-{who}", marks=mark)


def test_every_write_operation_is_classified(app: Any) -> None:
    ops = write_operations(app)
    missing = sorted(
        f"{o.operation_id} ({o.method} {o.path})" for o in ops.values() if o.operation_id not in EXPECTED
    )
    assert not missing, "classify these operations in EXPECTED of tests/test_role_matrix.py:\n" + "\n".join(
        missing
    )
    stale = sorted(set(EXPECTED) - set(ops))
    assert not stale, f"EXPECTED names operations the app does not have: {stale}"
    assert not set(KNOWN_BUGS) - {(o, w) for o in EXPECTED for w in CALLERS}


def _check(who: Who, expected: Expect, r: httpx.Response) -> str | None:
    """What is wrong with the answer to ``who``, or None."""
    status = r.status_code
    if expected.allowed:
        if status in (401, 403) or status >= 500:
            return f"{who.name}: expected to be let through, got {status} {r.text}"
        return None
    if status != expected.status:
        return f"{who.name}: expected {expected.status}, got {status} {r.text}"
    if r.headers.get("content-type") != "application/problem+json":
        return f"{who.name}: {status} is not a problem document"
    if r.json().get("type") != f"/problems/{expected.problem}":
        return f"{who.name}: {status} of type {r.json().get('type')!r}, expected /problems/{expected.problem}"
    return None


def _module_of(app: Any, path: str) -> str:
    match = re.match(r"^/v1/communes/\{commune\}/([a-z0-9_]+)/", path)
    return match.group(1) if match and match.group(1) in app.state.registry.keys else "example"


@pytest.mark.parametrize(("operation_id", "only"), list(_cases()))
async def test_role_matrix(
    operation_id: str, only: str | None, client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    op = write_operations(app).get(operation_id)
    if op is None:
        pytest.fail(f"the app has no operation {operation_id!r}: remove it from EXPECTED")
    rule = EXPECTED[operation_id]
    policy: PermissionPolicy = app.state.policy
    settings: Settings = app.state.settings
    # The app is shared by the module's tests; its rate-limit counters are not.
    app.state.limiter = RateLimiter(settings.rate_limit_storage, enabled=settings.rate_limits_enabled)
    ctx = await _build(client, world, db, app, _module_of(app, op.path))
    path = op.path
    for name in re.findall(r"{(\w+)}", op.path):
        value = FIXED_PARAMS.get(name) or await _resolve(ctx, name)
        path = path.replace("{" + name + "}", value)

    callers = [Who(name, roles) for name, roles in CALLERS.items()]
    if only is None:
        callers = [w for w in callers if (operation_id, w.name) not in KNOWN_BUGS]
    else:
        callers = [w for w in callers if w.name == only]
    expected = {w.name: rule.expect(w, policy) for w in callers}
    # Refused callers first: what the admitted ones do (delete, revoke...) must not change their answer.
    callers.sort(key=lambda w: expected[w.name].allowed)

    problems: list[str] = []
    for who in callers:
        kwargs = REQUESTS.get(operation_id, _no_body if op.method == "DELETE" else _json({}))(ctx)
        headers = {**kwargs.pop("headers", {}), **world.headers(who.name)}
        r = await client.request(op.method, path, headers=headers, **kwargs)
        if (problem := _check(who, expected[who.name], r)) is not None:
            problems.append(problem)
    assert not problems, f"{op.method} {op.path} ({operation_id}, {rule}):\n" + "\n".join(problems)
