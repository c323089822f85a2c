"""Checks of a module's resource types (``CivicModule.resource_types``), through the real app and data.

* :func:`check_visibility_matches_reads`: for each caller, ``visible`` answers exactly the ids whose path,
  as ``describe`` gives it, the module's own read answers 200 to that caller (and another commune's or an
  unknown id is neither visible nor described);
* :func:`check_constant_statements`: a page of 50 ids costs ``visible`` and ``describe`` as many statements
  as one id;
* :func:`check_component_rule`: the component kit's rule (published component and process, module on);
* :func:`check_resource_types`: the first two, on one resource of each declared type made by the tenancy factories
  of the module's route table (``RouteTable.resource_types`` names the factory of each type).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from civicapi.communes.dependencies import Caller
from civicapi.communes.models import Commune
from civicapi.communes.repository import CommuneRepository
from civicapi.registry import ANONYMOUS, ResourceCaller, ResourceInfo, ResourceType
from civicapi.testing.checks import SPACES_TENANCY, enable_everywhere
from civicapi.testing.rules import CALLERS
from civicapi.testing.tables import People, RouteTable

PAGE = 50
READERS = ("anonymous", "participant", "admin", "beta_admin", "platform")
"""The callers :func:`check_resource_types` compares ``visible`` with the module's reads for."""


@contextmanager
def count_statements(app: Any) -> Iterator[list[str]]:
    """The statements the app's database runs inside the block (an SQLAlchemy ``before_cursor_execute``
    listener)."""
    statements: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = app.state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


async def commune(app: Any, slug: str) -> Commune:
    async with app.state.db.unit_of_work() as session:
        found = await CommuneRepository(session).by_slug(slug)
    assert found is not None, slug
    return found


def caller(app: Any, world: People, who: str, where: Commune) -> ResourceCaller:
    """``who`` of ``CALLERS`` as the routes see them in commune alpha (``where``): a person with their
    roles there, the platform administrator, or :data:`ANONYMOUS`."""
    if who == "anonymous":
        return ANONYMOUS
    roles = set(CALLERS[who]) if where.slug == "alpha" else set()
    return Caller(user=world.users[who], commune=where, roles=roles, policy=app.state.policy)


async def visible(
    app: Any, rtype: ResourceType, commune_id: uuid.UUID, who: ResourceCaller, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    async with app.state.db.unit_of_work() as session:
        return await rtype.visible(session, commune_id, who, ids)


async def describe(
    app: Any, rtype: ResourceType, commune_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ResourceInfo]:
    async with app.state.db.unit_of_work() as session:
        return await rtype.describe(session, commune_id, ids)


async def check_visibility_matches_reads(
    client: httpx.AsyncClient,
    world: People,
    app: Any,
    module_key: str,
    type_name: str,
    ids: Sequence[str | uuid.UUID],
    *,
    callers: Sequence[str] = READERS,
) -> dict[str, set[uuid.UUID]]:
    """Resources of commune alpha (``ids``), asked about as each of ``callers``: ``visible`` holds exactly
    those whose described path answers 200 to that caller (else the read answers 404); through commune
    beta, none is visible nor described, nor is an unknown id anywhere. Answers who sees what."""
    rtype = app.state.registry.resource_type(module_key, type_name)
    alpha, beta = await commune(app, "alpha"), await commune(app, "beta")
    wanted = [uuid.UUID(str(i)) for i in ids]
    unknown = uuid.uuid4()
    info = await describe(app, rtype, alpha.id, [*wanted, unknown])
    assert set(info) == set(wanted), f"{module_key}/{type_name}: describe answers {set(info)} for {wanted}"
    assert await describe(app, rtype, beta.id, wanted) == {}, "another commune's ids are described"
    seen: dict[str, set[uuid.UUID]] = {}
    for who in callers:
        found = await visible(app, rtype, alpha.id, caller(app, world, who, alpha), [*wanted, unknown])
        reads = {}
        for rid in wanted:
            r = await client.get(info[rid].path, headers=world.headers(who))
            assert r.status_code in (200, 404), f"GET {info[rid].path} as {who}: {r.status_code} {r.text}"
            reads[rid] = r.status_code == 200
        assert found == {rid for rid, ok in reads.items() if ok}, (
            f"{module_key}/{type_name} as {who}: visible {found}, the module's reads answer 200 for "
            f"{ {rid for rid, ok in reads.items() if ok} }"
        )
        through_beta = await visible(app, rtype, beta.id, caller(app, world, who, beta), wanted)
        assert through_beta == set(), f"{module_key}/{type_name}: {who} sees alpha's ids through beta"
        seen[who] = found
    return seen


async def check_constant_statements(
    app: Any,
    module_key: str,
    type_name: str,
    ids: Sequence[str | uuid.UUID],
    *,
    who: ResourceCaller = ANONYMOUS,
) -> int:
    """``visible`` and ``describe`` of a page of :data:`PAGE` ids (``ids`` and unknown ones) run as many
    statements as of one id: set-based, never one query per id. Answers that number."""
    rtype = app.state.registry.resource_type(module_key, type_name)
    alpha = await commune(app, "alpha")
    real = [uuid.UUID(str(i)) for i in ids]
    page = [*real, *(uuid.uuid4() for _ in range(PAGE - len(real)))]
    counts = []
    for chosen in (real[:1], page):
        with count_statements(app) as statements:
            await visible(app, rtype, alpha.id, who, chosen)
            await describe(app, rtype, alpha.id, chosen)
        counts.append(len(statements))
    assert counts[0] == counts[1], (
        f"{module_key}/{type_name}: {counts[0]} statements for 1 id, {counts[1]} for {PAGE}"
    )
    return counts[0]


async def check_resource_types(client: httpx.AsyncClient, world: People, app: Any, table: RouteTable) -> int:
    """Every resource type the module declares, on resources of alpha made by the tenancy factories of its
    route table (``table.resource_types``: type name -> path parameter whose factory makes one), with
    alpha's process published: :func:`check_visibility_matches_reads` and
    :func:`check_constant_statements`. Answers the number of types checked."""
    module = app.state.registry.get(table.key)
    assert module is not None, table.key
    declared = {t.name for t in module.resource_types}
    where = table.origin or f"the route table of module {table.key!r}"
    assert set(table.resource_types) == declared, (
        f"name the tenancy factory of each resource type {sorted(declared)} in {where} (resource_types)"
    )
    if not declared:
        return 0
    await enable_everywhere(client, world, table.key)
    factories = {**SPACES_TENANCY, **table.tenancy}
    ids: dict[str, str] = {}
    for name, factory in factories.items():
        ids[name] = await factory(client, world, ids)
    r = await client.post(
        f"/v1/communes/alpha/processes/{ids['process_id']}/publish", headers=world.headers("admin")
    )
    assert r.status_code in (200, 409), r.text
    for type_name, param in table.resource_types.items():
        await check_visibility_matches_reads(client, world, app, table.key, type_name, [ids[param]])
        await check_constant_statements(app, table.key, type_name, [ids[param]])
    return len(declared)


async def check_component_rule(
    client: httpx.AsyncClient,
    world: People,
    app: Any,
    module_key: str,
    type_name: str,
    ids: Sequence[str | uuid.UUID],
    *,
    process_id: str,
    component_id: str,
    public: set[uuid.UUID],
) -> None:
    """Resources of alpha (``ids``) in a published component of a published process, of which ``public``
    are public: the anonymous see those, each caller what the reads show it; with the component or its
    process unpublished, only previewers (``spaces.preview``: admin, platform administrator) see any, as
    many as before; with the module switched off in alpha, no one sees any. Leaves the module off."""
    check = check_visibility_matches_reads
    seen = await check(client, world, app, module_key, type_name, ids)
    assert seen["anonymous"] == public, f"{module_key}/{type_name}: the anonymous see {seen['anonymous']}"
    admin, process = world.headers("admin"), f"/v1/communes/alpha/processes/{process_id}"
    for url in (f"{process}/components/{component_id}", process):
        assert (await client.post(f"{url}/unpublish", headers=admin)).status_code == 200
        hidden = await check(client, world, app, module_key, type_name, ids)
        assert hidden["anonymous"] == hidden["participant"] == set(), f"{url} unpublished"
        assert hidden["admin"] == seen["admin"] and hidden["platform"] == seen["platform"]
        assert (await client.post(f"{url}/publish", headers=admin)).status_code == 200
    r = await client.delete(f"/v1/communes/alpha/modules/{module_key}", headers=world.headers("platform"))
    assert r.status_code in (200, 204), r.text
    off = await check(client, world, app, module_key, type_name, ids)
    assert all(found == set() for found in off.values()), f"{module_key} off: {off}"
