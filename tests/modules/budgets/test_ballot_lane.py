"""The ballot lane (``civicapi.modules.budgets.voting.lane.lane``): a first whole ballot on PostgreSQL served outside
FastAPI and the ORM. It must give the route's answer and write the route's rows, or leave the request to
the route (errors, retries, second ballots, memo misses), which then answers as if the lane did not
exist. Each test warms the row memo first (the lane only serves what it holds) and counts what the lane
served, so that a lane that silently declined everything would fail here."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from civicapi.config import Settings
from civicapi.core.audit import AuditEntry
from civicapi.core.db.raw import RawStatement
from civicapi.core.db.session import Database, create_engine
from civicapi.core.lanes import LaneMiddleware
from civicapi.identity import service as identity
from civicapi.main import create_app
from civicapi.modules.budgets.models import Ballot, BallotItem, IdempotencyRecord, Voter
from civicapi.registry import load_modules
from tests.fixtures.factories import World, bearer
from tests.modules.budgets.helpers import (
    CENSUS,
    Comp,
    assert_problem,
    count_rows,
    make_budget,
    make_component,
    make_projects,
    resident,
)


def lane_of(app: Any) -> LaneMiddleware:
    if app.middleware_stack is None:
        app.middleware_stack = app.build_middleware_stack()
    layer = app.middleware_stack
    while layer is not None and not isinstance(layer, LaneMiddleware):
        layer = getattr(layer, "app", None)
    assert isinstance(layer, LaneMiddleware), "the ballot lane is not mounted"
    return layer


@pytest.fixture
def postgres_only(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the ballot lane serves PostgreSQL only (see test_lane_is_off_on_sqlite)")


@dataclass
class Scene:
    """A census-verified vote open in a budget of 100,000 (projects of 40,000, 30,000 and 20,000), its
    verified voters, and the lane with what it had served when the scene was set."""

    comp: Comp
    budget: dict[str, Any]
    projects: list[dict[str, Any]]
    voters: list[tuple[Any, dict[str, str]]]
    lane: LaneMiddleware
    served: int

    @property
    def url(self) -> str:
        return self.comp.ballot(self.budget["id"])

    def body(self, *picks: int) -> dict[str, Any]:
        return {"projects": [self.projects[i]["id"] for i in picks or (0, 1)]}


async def _scene(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, people: int, scale: int = 1
) -> Scene:
    comp = await make_component(client, world, settings={"vote_requirements": CENSUS, "minimum_percent": 50})
    budget = await make_budget(client, world, comp, total=100_000 * scale)
    costs = [cost * scale for cost in (40_000, 30_000, 20_000)]
    projects = await make_projects(client, world, comp, budget["id"], costs)
    voters = [await resident(db, app, world, f"L-{i}") for i in range(people)]
    # The route loads the commune, component and budget into the row memo; the lane reads them there.
    r = await client.get(comp.ballot(budget["id"]), headers=voters[0][1])
    assert assert_problem(r, 404)["reason"] == "no_ballot"
    lane = lane_of(app)
    return Scene(comp, budget, projects, voters, lane, lane.served)


async def test_lane_answers_a_first_ballot_as_the_route_does(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, postgres_only: None
) -> None:
    v = await _scene(client, world, db, app, 2)
    body = v.body(0, 2)
    lane, served = v.lane, v.served

    # the same app serves both: the lane first, then (the lane switched off) the route
    by_lane = await client.post(v.url, json=body, headers={**v.voters[0][1], "Idempotency-Key": "k-lane"})
    assert by_lane.status_code == 201, by_lane.text
    assert lane.served == served + 1
    lane.lanes[0].enabled = False  # type: ignore[attr-defined]
    try:
        by_route = await client.post(
            v.url, json=body, headers={**v.voters[1][1], "Idempotency-Key": "k-route"}
        )
    finally:
        lane.lanes[0].enabled = True  # type: ignore[attr-defined]
    assert by_route.status_code == 201, by_route.text
    assert lane.served == served + 1

    assert by_lane.headers["content-type"] == by_route.headers["content-type"] == "application/json"
    a, b = by_lane.json(), by_route.json()
    assert a.keys() == b.keys()
    different = {k for k in a if a[k] != b[k]}
    assert different <= {"id", "voter_id", "cast_at", "voted_at", "updated_at", "created_at"}, (a, b)

    async with db.unit_of_work() as session:
        voters_rows = {
            row.user_id: row
            for row in (
                await session.execute(select(Voter).where(Voter.budget_id == uuid.UUID(v.budget["id"])))
            ).scalars()
        }
        first, second = voters_rows[v.voters[0][0].id], voters_rows[v.voters[1][0].id]
        for column in ("status", "channel", "slot", "component_id", "commune_id"):
            assert getattr(first, column) == getattr(second, column), column
        assert first.voter_key != second.voter_key  # each person's verified identity
        ballots = {
            row.id: row
            for row in (
                await session.execute(select(Ballot).where(Ballot.budget_id == uuid.UUID(v.budget["id"])))
            ).scalars()
        }
        assert first.ballot_id is not None and second.ballot_id is not None
        one, two = ballots[first.ballot_id], ballots[second.ballot_id]
        for column in ("status", "channel", "total_cost", "points_total", "projects_count"):
            assert getattr(one, column) == getattr(two, column), column
        items = (await session.execute(select(BallotItem.ballot_id, BallotItem.project_id))).all()
        assert sorted(str(p) for ballot_id, p in items if ballot_id == one.id) == sorted(body["projects"])
        keys = (await session.execute(select(IdempotencyRecord.key, IdempotencyRecord.status_code))).all()
        assert sorted(keys) == [("k-lane", 201), ("k-route", 201)]
        entries = (
            (
                await session.execute(
                    select(AuditEntry).where(AuditEntry.resource_id.in_([first.id, second.id]))
                )
            )
            .scalars()
            .all()
        )
    by_resource = {e.resource_id: e for e in entries}
    assert by_resource[first.id].action == by_resource[second.id].action == "budgets.voter.vote"
    assert (by_resource[first.id].actor_type, by_resource[first.id].actor_id) == ("user", v.voters[0][0].id)
    assert by_resource[first.id].changes == by_resource[second.id].changes


async def test_what_the_lane_declines_the_route_answers(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, postgres_only: None
) -> None:
    v = await _scene(client, world, db, app, 3)
    body = v.body()
    lane = v.lane
    anne = {**v.voters[0][1], "Idempotency-Key": "anne-1"}

    first = await client.post(v.url, json=body, headers=anne)
    assert first.status_code == 201, first.text
    served = lane.served
    # a retry: the key is taken, the lane writes nothing and the route replays the first answer
    again = await client.post(v.url, json=body, headers=anne)
    assert again.status_code == 201 and again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    # the same key with another body
    other = {"projects": [v.projects[0]["id"], v.projects[2]["id"]]}
    assert_problem(await client.post(v.url, json=other, headers=anne), 422)
    # a second ballot without a key
    r = await client.post(v.url, json=body, headers=v.voters[0][1])
    assert assert_problem(r, 409)["reason"] == "already_voted"
    before = await count_rows(db)
    # bad ballots: over budget, too little spent, a project of nowhere, a body the route refuses
    everything = {"projects": [p["id"] for p in v.projects] + [v.projects[0]["id"]]}
    assert_problem(await client.post(v.url, json=everything, headers=v.voters[1][1]), 422)
    assert_problem(
        await client.post(v.url, json={"projects": [v.projects[2]["id"]]}, headers=v.voters[1][1]), 422
    )
    unknown = {"projects": [v.projects[0]["id"], str(uuid.uuid4())]}
    assert_problem(await client.post(v.url, json=unknown, headers=v.voters[1][1]), 422)
    assert_problem(await client.post(v.url, json={"projects": "all"}, headers=v.voters[1][1]), 422)
    assert_problem(
        await client.post(
            v.url, content=b"{", headers={**v.voters[1][1], "content-type": "application/json"}
        ),
        422,
    )
    # no token, a broken token, an API-key-looking header
    assert_problem(await client.post(v.url, json=body), 401)
    assert_problem(await client.post(v.url, json=body, headers={"Authorization": "Bearer nope"}), 401)
    assert_problem(await client.post(v.url, json=body, headers={**v.voters[1][1], "X-API-Key": "nope"}), 401)
    # another commune's budget path
    wrong = v.url.replace(f"/communes/{v.comp.commune}/", "/communes/beta/")
    assert (await client.post(wrong, json=body, headers=v.voters[1][1])).status_code == 404
    assert await count_rows(db) == before
    assert lane.served == served

    # and the lane still serves the next person
    r = await client.post(v.url, json=body, headers=v.voters[2][1])
    assert r.status_code == 201, r.text
    assert lane.served == served + 1


async def test_lane_refuses_a_revoked_token_and_an_ineligible_person(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, postgres_only: None
) -> None:
    v = await _scene(client, world, db, app, 1)
    body = v.body()
    lane, served = v.lane, v.served
    r = await client.post("/v1/auth/logout", json={}, headers=v.voters[0][1])
    assert r.status_code == 204, r.text
    async with db.unit_of_work() as session:
        stranger = await identity.create_user(
            session, email="stranger@people.test", display_name="S", password=None
        )
    # The writes above moved the memo's generation: the route loads it again, and the lane serves (or,
    # here, must refuse to serve) with it.
    assert (
        assert_problem(await client.get(v.url, headers=bearer(app, stranger)), 404)["reason"] == "no_ballot"
    )
    assert_problem(await client.post(v.url, json=body, headers=v.voters[0][1]), 401)
    # a person without the census verification the component requires
    r = await client.post(v.url, json=body, headers=bearer(app, stranger))
    assert assert_problem(r, 403)["reason"] == "requirements_not_met"
    assert lane.served == served
    assert (await count_rows(db))["budgets_ballot"] == 0


@pytest.mark.parametrize("with_key", [False, True], ids=["no-key", "same-key"])
async def test_racing_first_ballots_through_the_lane_give_one_ballot(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, postgres_only: None, with_key: bool
) -> None:
    v = await _scene(client, world, db, app, 1)
    body = v.body()
    headers = {**v.voters[0][1], "Idempotency-Key": "race"} if with_key else v.voters[0][1]
    lane, served = v.lane, v.served
    responses = await asyncio.gather(*(client.post(v.url, json=body, headers=headers) for _ in range(50)))
    statuses = Counter(r.status_code for r in responses)
    if with_key:
        assert statuses == {201: 50}, statuses
        assert len({r.content for r in responses}) == 1
    else:
        assert statuses == {201: 1, 409: 49}, statuses
    assert lane.served - served <= 1
    rows = await count_rows(db)
    assert rows["budgets_ballot"] == 1 and rows["budgets_voter"] == 1


async def test_lane_serves_amounts_past_32_bits(
    client: httpx.AsyncClient, world: World, db: Database, app: Any, postgres_only: None
) -> None:
    """Costs are 64-bit (a large city's budget in cents): the lane's guard compares their total as such."""
    v = await _scene(client, world, db, app, 1, scale=1_000_000)  # projects of 4e10, 3e10, 2e10 cents
    r = await client.post(v.url, json=v.body(0, 1), headers=v.voters[0][1])
    assert r.status_code == 201, r.text
    assert r.json()["total_cost"] == 70_000_000_000
    assert v.lane.served == v.served + 1


@pytest.mark.parametrize("change", ["cost_raised", "vote_closed"])
async def test_what_changes_between_the_lanes_read_and_its_write_writes_nothing(
    client: httpx.AsyncClient,
    world: World,
    db: Database,
    app: Any,
    postgres_only: None,
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    """The lane reads the budget's costs and lid without a lock, then writes in a statement of its own: a
    project's cost raised (by another process, past the budget) or the vote closed in between must stop
    that statement, and the route then answers from what is true now."""
    v = await _scene(client, world, db, app, 1)
    lane, served = v.lane, v.served
    if change == "cost_raised":
        sql = text("UPDATE budgets_project SET cost = 90000 WHERE id = CAST(:id AS uuid)").bindparams(
            id=v.projects[0]["id"]
        )
    else:
        sql = text("UPDATE budgets_budget SET closed_at = now() WHERE id = CAST(:id AS uuid)").bindparams(
            id=v.budget["id"]
        )
    fetchrow = RawStatement.fetchrow
    changed: list[str] = []

    async def meanwhile(self: RawStatement, connection: Any, params: Any) -> Any:
        if " lid AS " in self.sql and not changed:  # the lane's guarded write, once
            async with db.engine.begin() as other:  # another connection: not this process's generation
                await other.execute(sql)
            changed.append(change)
        return await fetchrow(self, connection, params)

    monkeypatch.setattr(RawStatement, "fetchrow", meanwhile)
    before = await count_rows(db)
    r = await client.post(v.url, json=v.body(0, 1), headers=v.voters[0][1])
    assert changed == [change], "the lane reached its write"
    if change == "cost_raised":  # 90,000 + 30,000 no longer fits in 100,000
        assert any(x["reason"] == "over_budget" for x in assert_problem(r, 422)["violations"]), r.text
    else:
        assert assert_problem(r, 403)["reason"] == "vote_closed"
    assert (lane.served, lane.declined) == (served, 1)
    assert await count_rows(db) == before


async def test_lane_is_off_on_sqlite(app: Any, db: Database) -> None:
    lane = lane_of(app).lanes[0]
    assert lane.enabled is (db.engine.dialect.name == "postgresql")  # type: ignore[attr-defined]


async def test_a_connection_lost_under_the_lane_leaves_the_ballot_to_the_route(
    client: httpx.AsyncClient,
    world: World,
    db: Database,
    app: Any,
    settings: Settings,
    database_url: str,
    postgres_only: None,
) -> None:
    """The server drops the pooled connection the lane is lent (no check: it was given back moments ago):
    the lane declines and has the pool replace it, and the route casts the ballot on a new one."""
    v = await _scene(client, world, db, app, 3)
    body = v.body()
    own = Database(create_engine(database_url, pool_size=1, ping_after_idle=60))
    try:
        other = create_app(settings, registry=load_modules(None), database=own)
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            r = await c.get(v.url, headers=v.voters[0][1])  # this app's own row memo
            assert assert_problem(r, 404)["reason"] == "no_ballot"
            lane = lane_of(other)
            assert (await c.post(v.url, json=body, headers=v.voters[0][1])).status_code == 201
            assert lane.served == 1
            async with own.engine.connect() as connection:  # not a unit of work: the memo stays valid
                pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            async with db.unit_of_work() as session:
                await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            r = await c.post(v.url, json=body, headers=v.voters[1][1])
            assert r.status_code == 201, r.text
            assert (lane.served, lane.declined) == (1, 1)
            assert (await c.post(v.url, json=body, headers=v.voters[2][1])).status_code == 201
            assert lane.served == 2
    finally:
        await own.dispose()
    assert (await count_rows(db))["budgets_ballot"] == 3
