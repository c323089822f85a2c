"""Builders for the budgets tests: a published process whose phase runs today, a published budgets
component in it, budgets and projects through the HTTP API, verified residents, and database probes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select

from civicapi.core.db.session import Database
from civicapi.identity import service as identity
from civicapi.identity.models import User
from civicapi.identity.verification.hashing import IdentityHasher
from civicapi.identity.verification.service import grant_verification
from civicapi.modules.budgets.models import MODELS
from tests.fixtures.factories import World, bearer
from tests.spaces.helpers import DAY, assert_problem, brussels_today, create_phase, create_process

__all__ = ["assert_problem"]

OPEN = {"votes": "enabled"}
CENSUS = [{"handler": "census"}]


@dataclass
class Comp:
    commune: str
    process_id: str
    phase_id: str
    id: str

    @property
    def url(self) -> str:
        return f"/v1/communes/{self.commune}/budgets/components/{self.id}"

    @property
    def budgets(self) -> str:
        return f"{self.url}/budgets"

    def budget(self, budget_id: str) -> str:
        return f"{self.budgets}/{budget_id}"

    def projects(self, budget_id: str) -> str:
        return f"{self.budget(budget_id)}/projects"

    def ballot(self, budget_id: str) -> str:
        return f"{self.budget(budget_id)}/ballot"

    @property
    def component_url(self) -> str:
        return f"/v1/communes/{self.commune}/processes/{self.process_id}/components/{self.id}"


def who_admin(commune: str) -> str:
    return "admin" if commune == "alpha" else "beta_admin"


async def enable_budgets(client: httpx.AsyncClient, world: World, commune: str = "alpha") -> None:
    r = await client.put(
        f"/v1/communes/{commune}/modules/budgets", json={}, headers=world.headers(who_admin(commune))
    )
    assert r.status_code == 200, r.text


async def make_component(
    client: httpx.AsyncClient,
    world: World,
    *,
    settings: dict[str, Any] | None = None,
    step: dict[str, Any] | None = None,
    commune: str = "alpha",
    slug: str = "bp-2026",
) -> Comp:
    """A published budgets component whose phase is active today (voting open unless ``step`` says
    otherwise); settings default to a knapsack ballot for census-verified residents."""
    who = who_admin(commune)
    await enable_budgets(client, world, commune)
    process = await create_process(client, world, slug, commune=commune, who=who, publish=True)
    today = brussels_today()
    phase = await create_phase(
        client, world, process["id"], today - DAY, today + 30 * DAY, commune=commune, who=who
    )
    body = {
        "module_key": "budgets",
        "name": {"fr": "Budget participatif"},
        "settings": {"vote_requirements": CENSUS} if settings is None else settings,
        "step_settings": {phase["id"]: OPEN if step is None else step},
    }
    r = await client.post(
        f"/v1/communes/{commune}/processes/{process['id']}/components", json=body, headers=world.headers(who)
    )
    assert r.status_code == 201, r.text
    comp = Comp(commune=commune, process_id=process["id"], phase_id=phase["id"], id=r.json()["id"])
    r = await client.post(f"{comp.component_url}/publish", headers=world.headers(who))
    assert r.status_code == 200, r.text
    return comp


async def configure(
    client: httpx.AsyncClient,
    world: World,
    comp: Comp,
    *,
    settings: dict[str, Any] | None = None,
    step: dict[str, Any] | None = None,
) -> None:
    body: dict[str, Any] = {}
    if settings is not None:
        body["settings"] = settings
    if step is not None:
        body["step_settings"] = {comp.phase_id: step}
    r = await client.patch(comp.component_url, json=body, headers=world.headers(who_admin(comp.commune)))
    assert r.status_code == 200, r.text


async def make_budget(
    client: httpx.AsyncClient, world: World, comp: Comp, *, total: int = 100_000, **fields: Any
) -> dict[str, Any]:
    body = {"title": {"fr": "Budget de la ville"}, "total_amount": total, **fields}
    r = await client.post(comp.budgets, json=body, headers=world.headers(who_admin(comp.commune)))
    assert r.status_code == 201, r.text
    budget: dict[str, Any] = r.json()
    return budget


async def make_projects(
    client: httpx.AsyncClient, world: World, comp: Comp, budget_id: str, costs: list[int]
) -> list[dict[str, Any]]:
    out = []
    for i, cost in enumerate(costs):
        body = {"title": {"fr": f"Projet {i + 1}"}, "cost": cost, "position": i, "category": "parcs"}
        r = await client.post(
            comp.projects(budget_id), json=body, headers=world.headers(who_admin(comp.commune))
        )
        assert r.status_code == 201, r.text
        out.append(r.json())
    return out


def hasher(app: Any) -> IdentityHasher:
    return IdentityHasher(app.state.settings.secret_key.get_secret_value())


async def resident(
    db: Database,
    app: Any,
    world: World,
    identifier: str,
    *,
    commune: str = "alpha",
    district: str | None = None,
    birth_year: int = 1980,
    handler: str = "census",
    email: str | None = None,
) -> tuple[User, dict[str, str]]:
    """An account verified in ``commune`` for ``identifier`` (granted directly, as the census would)."""
    target = world.alpha if commune == "alpha" else world.beta
    async with db.unit_of_work() as session:
        user = await identity.create_user(
            session,
            email=email or f"{identifier.lower()}-{handler}@people.test",
            display_name=identifier,
            password=None,
        )
        metadata: dict[str, Any] = {"birth_year": birth_year}
        if district is not None:
            metadata["district"] = district
        await grant_verification(
            session,
            commune_id=target.id,
            user_id=user.id,
            handler=handler,
            identity_key=hasher(app).identity_key(target.id, identifier),
            metadata=metadata,
        )
    return user, bearer(app, user)


async def count_rows(db: Database) -> dict[str, int]:
    """Rows of every budgets table (to prove that a refused write wrote nothing)."""
    async with db.unit_of_work() as session:
        return {
            model.__tablename__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in MODELS
        }
