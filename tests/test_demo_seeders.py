"""The demo as the modules' own seeders (``CivicModule.demo``): run in the order ``demo_after`` asks, each
in its own unit of work, each handed what those before it made. A module that comes later (the agenda's
meeting about the demo's proposals) finds the demo's proposals there, on the first seeding as on the next."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi import demo
from civicapi.config import Settings
from civicapi.core.links import ResourceRef
from civicapi.registry import ANONYMOUS, CivicModule, DemoContext, ModuleLoadError, load_modules
from civicapi.registry.loader import build_registry


def _later_module(seen: list[DemoContext]) -> CivicModule:
    async def seed(session: AsyncSession, context: DemoContext) -> list[ResourceRef]:
        seen.append(context)
        return []

    return CivicModule(key="later", title={"en": "Later"}, demo=seed, demo_after=("proposals", "budgets"))


async def test_a_later_seeder_gets_what_the_seeders_before_it_made(
    settings: Settings, client: httpx.AsyncClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[DemoContext] = []
    installed = load_modules(None)
    # "later" comes first in the registry's order; demo_after puts it after proposals and budgets.
    registry = build_registry([_later_module(seen), *installed])
    monkeypatch.setattr(demo, "load_modules", lambda allow_list: registry)
    await demo.seed_demo(settings)
    await demo.seed_demo(settings)

    first, again = seen
    proposals = first.refs("proposals", "proposal")
    assert len(proposals) == 12 and again.refs("proposals", "proposal") == proposals
    assert first.refs("budgets", "project") == again.refs("budgets", "project") != []
    assert "accountability" not in first.made  # it runs after budgets, not before "later"
    assert set(first.processes) == {"bp-demo", "bp-2025"}
    # they are the demo's public proposals: the proposals' own resource type says so
    rtype = app.state.registry.resource_type("proposals", "proposal")
    async with app.state.db.unit_of_work() as session:
        ids = [ref.id for ref in proposals]
        assert await rtype.visible(session, first.commune_id, ANONYMOUS, ids) == set(ids)
        paths = [info.path for info in (await rtype.describe(session, first.commune_id, ids)).values()]
    for path in paths[:3]:
        assert (await client.get(path)).status_code == 200


def test_seeders_run_after_those_they_name_and_a_cycle_stops_the_start_up() -> None:
    async def noop(session: AsyncSession, context: DemoContext) -> None:
        return None

    def mod(key: str, *after: str) -> CivicModule:
        return CivicModule(key=key, title={"en": key}, demo=noop, demo_after=after)

    registry = build_registry(
        [
            mod("zeta", "beta"),
            mod("alpha"),
            mod("beta", "alpha", "ghost"),
            CivicModule(key="bare", title={"en": "b"}),
        ]
    )
    assert [m.key for m in registry.demo_order()] == ["alpha", "beta", "zeta"]
    with pytest.raises(ModuleLoadError, match=r"demo_after forms a cycle \(one -> two -> one\)"):
        build_registry([mod("one", "two"), mod("two", "one")])


def test_the_built_in_demo_runs_proposals_then_budgets_then_accountability() -> None:
    order = [m.key for m in load_modules(None).demo_order()]
    assert order.index("proposals") < order.index("budgets") < order.index("accountability")
