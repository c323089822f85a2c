"""The checks a module runs on itself over its route table (and the platform runs over every table).

* :func:`assert_classified`: every write operation under the module's prefix has a rule, none is stale;
* :func:`role_matrix`: an operation called by every caller of ``CALLERS`` answers as its rule says;
* :func:`check_tenancy`: the module's routes called through commune beta with alpha's ids answer 404;
* :func:`check_disabled`: every route of the module answers 404 ``module-not-enabled`` where the commune has
  not enabled it;
* :func:`undeclared_problem` (used by all of them): an error answer is a problem document whose status the
  operation declares in the app's OpenAPI.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from civicapi.communes.permissions import PermissionPolicy
from civicapi.testing.rules import CALLERS, Expect, Rule, Who
from civicapi.testing.tables import Ctx, Factory, People, RequestFactory, RouteTable, TenancyFactory

WRITE_METHODS = ("post", "put", "patch", "delete")
METHODS = ("get", *WRITE_METHODS)
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str


def operations(app: Any, methods: tuple[str, ...] = WRITE_METHODS) -> dict[str, Operation]:
    """The app's OpenAPI operations of ``methods``, by operationId (``METHOD path`` when it has none)."""
    ops: dict[str, Operation] = {}
    for path, item in app.openapi()["paths"].items():
        for method, op in item.items():
            if method in methods:
                key = op.get("operationId") or f"{method.upper()} {path}"
                ops[key] = Operation(method.upper(), path, key)
    return ops


def params(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def fill(path: str, values: dict[str, str]) -> str:
    for name in params(path):
        path = path.replace("{" + name + "}", values[name])
    return path


def undeclared_problem(app: Any, method: str, template: str, r: httpx.Response) -> str | None:
    """What is wrong with an error answer (status >= 400): not a problem document, or a status the
    operation does not declare in OpenAPI. None for a good answer."""
    if r.status_code < 400:
        return None
    if r.headers.get("content-type") != PROBLEM:
        return f"{method} {template}: {r.status_code} is not a problem document"
    declared = app.openapi()["paths"][template][method.lower()].get("responses", {})
    if str(r.status_code) not in declared and f"{str(r.status_code)[0]}XX" not in declared:
        return f"{method} {template}: answers {r.status_code}, which its OpenAPI responses do not declare"
    return None


# --- every route classified -----------------------------------------------------------------------------


def assert_classified(app: Any, table: RouteTable) -> None:
    """Every write operation under the module's prefix has a rule in its table, and no rule is stale."""
    ops = {k: o for k, o in operations(app).items() if table.owns(o.path)}
    missing = sorted(
        f"{o.operation_id} ({o.method} {o.path})" for k, o in ops.items() if k not in table.rules
    )
    where = table.origin or f"the route table of module {table.key!r}"
    assert not missing, f"classify these operations in the rules of {where}:\n" + "\n".join(missing)
    stale = sorted(set(table.rules) - set(ops))
    assert not stale, f"{where} names operations the app does not have: {stale}"
    assert not {o for o, _ in table.known_bugs} - set(table.rules)
    assert not {w for _, w in table.known_bugs} - set(CALLERS)


# --- the role matrix --------------------------------------------------------------------------------------


async def _process(ctx: Ctx) -> str:
    body = {"slug": "bp-2026", "title": {"fr": "Budget participatif"}}
    return str((await ctx.call("POST", "/processes", body, ok=201))["id"])


async def _phase(ctx: Ctx) -> str:
    body = {"title": {"fr": "Dépôt et soutiens"}, "start_date": "2026-01-01", "end_date": "2026-12-31"}
    return str((await ctx.call("POST", f"/processes/{ctx.ids['process_id']}/phases", body, ok=201))["id"])


async def _component(ctx: Ctx) -> str:
    """A published component of ``ctx.module`` in a published process, whose pinned phase opens it."""
    process, phase = ctx.ids["process_id"], ctx.ids["phase_id"]
    body = {
        "module_key": ctx.module,
        "name": {"fr": "Composant"},
        "settings": ctx.component_settings,
        "step_settings": {phase: ctx.step_settings},
    }
    component = str((await ctx.call("POST", f"/processes/{process}/components", body, ok=201))["id"])
    await ctx.call("PUT", f"/processes/{process}/active-phase", {"phase_id": phase})
    await ctx.call("POST", f"/processes/{process}/publish")
    await ctx.call("POST", f"/processes/{process}/components/{component}/publish")
    return component


SPACES_FACTORIES: dict[str, tuple[tuple[str, ...], Factory]] = {
    "process_id": ((), _process),
    "phase_id": (("process_id",), _phase),
    "component_id": (("process_id", "phase_id"), _component),
}
"""The spaces every module's resources live in: a published process, its active phase, the component."""


async def resolve(ctx: Ctx, name: str, factories: dict[str, tuple[tuple[str, ...], Factory]]) -> str:
    """The id for path parameter ``name``, made (with the ones it needs first) by its factory."""
    if name not in ctx.ids:
        assert name in factories, (
            f"register a factory for path parameter {name!r} in the module's route table"
        )
        needs, factory = factories[name]
        for dependency in needs:
            await resolve(ctx, dependency, factories)
        ctx.ids[name] = await factory(ctx)
    return ctx.ids[name]


def check_answer(who: Who, expected: Expect, r: httpx.Response) -> str | None:
    """What is wrong with the answer to ``who``, or None."""
    status = r.status_code
    if expected.allowed:
        if status in (401, 403) or status >= 500:
            return f"{who.name}: expected to be let through, got {status} {r.text}"
        return None
    if status != expected.status:
        return f"{who.name}: expected {expected.status}, got {status} {r.text}"
    if r.headers.get("content-type") != PROBLEM:
        return f"{who.name}: {status} is not a problem document"
    if r.json().get("type") != f"/problems/{expected.problem}":
        return f"{who.name}: {status} of type {r.json().get('type')!r}, expected /problems/{expected.problem}"
    return None


async def role_matrix(
    ctx: Ctx,
    app: Any,
    op: Operation,
    rule: Rule,
    *,
    factories: dict[str, tuple[tuple[str, ...], Factory]],
    request: RequestFactory | None = None,
    callers: list[str] | None = None,
    fixed: dict[str, str] | None = None,
) -> list[str]:
    """Call ``op`` as every caller (of ``callers``, default all of ``CALLERS``), refused callers first so
    that what the admitted ones do (delete, revoke...) does not change their answer; answer what is wrong."""
    policy: PermissionPolicy = app.state.policy
    fixed = {"commune": "alpha", **(fixed or {})}
    values = {
        n: fixed.get(n) or await resolve(ctx, n, {**SPACES_FACTORIES, **factories}) for n in params(op.path)
    }
    path = fill(op.path, values)
    who_all = [Who(name, roles) for name, roles in CALLERS.items() if callers is None or name in callers]
    expected = {w.name: rule.expect(w, policy) for w in who_all}
    who_all.sort(key=lambda w: expected[w.name].allowed)
    if request is None:
        request = (lambda ctx: {}) if op.method == "DELETE" else (lambda ctx: {"json": {}})
    problems: list[str] = []
    for who in who_all:
        kwargs = request(ctx)
        headers = {**kwargs.pop("headers", {}), **ctx.world.headers(who.name)}
        r = await ctx.client.request(op.method, path, headers=headers, **kwargs)
        problem = check_answer(who, expected[who.name], r) or undeclared_problem(app, op.method, op.path, r)
        if problem is not None:
            problems.append(problem)
    return problems


async def enable_everywhere(client: httpx.AsyncClient, world: People, key: str) -> None:
    for slug in ("alpha", "beta"):
        r = await client.put(f"/v1/communes/{slug}/modules/{key}", json={}, headers=world.headers("platform"))
        assert r.status_code == 200, r.text


async def check_module_role_matrix(
    client: httpx.AsyncClient, world: People, app: Any, table: RouteTable, operation_id: str
) -> None:
    """The role matrix for one of the module's operations, in a world where alpha has enabled the module
    (``world.users`` must hold every caller of ``CALLERS`` but the anonymous one)."""
    op = operations(app)[operation_id]
    await enable_everywhere(client, world, table.key)
    ctx = Ctx(
        client,
        world,
        table.key,
        component_settings=table.component_settings,
        step_settings=table.step_settings,
    )
    problems = await role_matrix(
        ctx,
        app,
        op,
        table.rules[operation_id],
        factories=table.factories,
        request=table.requests.get(operation_id),
        callers=[c for c in CALLERS if (operation_id, c) not in table.known_bugs],
    )
    assert not problems, (
        f"{op.method} {op.path} ({operation_id}, {table.rules[operation_id]}):\n" + "\n".join(problems)
    )


# --- tenancy ----------------------------------------------------------------------------------------------


async def _tenancy_process(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    body = {"slug": "bp-2026", "title": {"fr": "Budget participatif"}}
    r = await client.post("/v1/communes/alpha/processes", json=body, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _tenancy_phase(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/phases",
        json={"title": {"fr": "Vote"}, "start_date": "2026-01-01", "end_date": "2026-12-31"},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def tenancy_component(
    client: httpx.AsyncClient, world: People, ids: dict[str, str], module: str, **body: Any
) -> str:
    """A component of ``module`` in alpha's process (``ids["process_id"]``), the module enabled in both
    communes (so that beta's answers come from tenancy, not from the module switch); answers its id."""
    await enable_everywhere(client, world, module)
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/components",
        json={"module_key": module, "name": {"fr": module.title()}, **body},
        headers=world.headers("admin"),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


SPACES_TENANCY: dict[str, TenancyFactory] = {"process_id": _tenancy_process, "phase_id": _tenancy_phase}
"""A process of alpha and its phase, which the modules' tenancy factories put their components in."""


def scoped_routes(app: Any, owns: Any = None) -> list[tuple[str, list[str]]]:
    """(path, methods) of every commune-scoped route with a resource id (of those ``owns`` accepts)."""
    return [
        (path, sorted(m.upper() for m in item if m in METHODS))
        for path, item in app.openapi()["paths"].items()
        if path.startswith("/v1/communes/{commune}/")
        and any(p.endswith("_id") for p in params(path))
        and (owns is None or owns(path))
    ]


async def tenancy_problems(
    client: httpx.AsyncClient,
    world: People,
    app: Any,
    routes: list[tuple[str, list[str]]],
    ids: dict[str, str],
    fixed: dict[str, str],
) -> int:
    """Call every route through commune beta with alpha's ids, as beta's admin and the platform
    administrator: each answer must be a 404 problem document the operation declares. Answers the count."""
    checked = 0
    for template, methods in routes:
        path = fill(template, {**ids, **fixed})
        checked += await _not_found(client, world, app, template, path, methods, ("beta_admin", "platform"))
    return checked


async def _not_found(
    client: httpx.AsyncClient,
    world: People,
    app: Any,
    template: str,
    url: str,
    methods: list[str],
    callers: tuple[str, ...],
    problem_type: str | None = None,
) -> int:
    """Call ``url`` with each method as each caller (``{}`` as the body of a POST, PUT or PATCH): every
    answer must be a 404 problem document (of ``problem_type`` when given) the operation declares."""
    for method in methods:
        for who in callers:
            kwargs: dict[str, Any] = {"headers": world.headers(who)}
            if method in {"POST", "PUT", "PATCH"}:
                kwargs["json"] = {}
            r = await client.request(method, url, **kwargs)
            assert r.status_code == 404, f"{method} {template} as {who}: {r.status_code} {r.text}"
            assert (problem := undeclared_problem(app, method, template, r)) is None, problem
            if problem_type is not None:
                assert r.json()["type"] == f"/problems/{problem_type}", f"{method} {template}: {r.text}"
    return len(methods) * len(callers)


def missing_factories(
    routes: list[tuple[str, list[str]]], factories: dict[str, Any], fixed: dict[str, str]
) -> set[str]:
    return {p for path, _ in routes for p in params(path)} - set(fixed) - set(factories)


async def check_tenancy(client: httpx.AsyncClient, world: People, app: Any, table: RouteTable) -> None:
    """The module's routes with an id, called through commune beta with the ids of alpha's resources (the
    module enabled in both), answer 404 to beta's admin and to the platform administrator."""
    await enable_everywhere(client, world, table.key)
    routes = scoped_routes(app, table.owns)
    fixed = {"commune": "beta"}
    factories = {**SPACES_TENANCY, **table.tenancy}
    missing = missing_factories(routes, factories, fixed)
    where = table.origin or f"the route table of module {table.key!r}"
    assert not missing, f"register a tenancy factory for path parameter(s) {missing} in {where}"
    ids: dict[str, str] = {}
    for name, factory in factories.items():
        ids[name] = await factory(client, world, ids)
    assert await tenancy_problems(client, world, app, routes, ids, fixed) >= (1 if routes else 0)


# --- a disabled module ------------------------------------------------------------------------------------


async def check_disabled(client: httpx.AsyncClient, world: People, app: Any, table: RouteTable) -> int:
    """Every route of the module, in commune alpha that has not enabled it, answers 404
    ``module-not-enabled`` (a problem document the operation declares) to alpha's admin and to the platform
    administrator: one router-level dependency decides, before any path id is looked up. Answers the count."""
    checked = 0
    for path, item in app.openapi()["paths"].items():
        if not table.owns(path):
            continue
        url = fill(path, {n: "alpha" if n == "commune" else str(uuid.uuid4()) for n in params(path)})
        methods = sorted(m.upper() for m in item if m in METHODS)
        checked += await _not_found(
            client, world, app, path, url, methods, ("admin", "platform"), "module-not-enabled"
        )
    assert checked, f"module {table.key!r} has no route"
    return checked
