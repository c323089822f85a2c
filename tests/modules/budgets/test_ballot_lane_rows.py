"""The ballot lane (``civicapi.modules.budgets.voting.lane``) and the route write the same rows: one person
casts the same ballot, with the same ``Idempotency-Key``, in two components set up alike (same settings,
same budget, same projects), once through the lane and once with the lane switched off. Every row the
vote leaves (ballot, items, register entry, idempotency record with its stored answer, audit entry) is the
same on both sides once ids are read as what they name (the component, the budget, the third project...)
and times are left out."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.modules.budgets.models import Ballot, BallotItem, IdempotencyRecord, Voter
from civicapi.modules.budgets.voting.idempotency import digest
from civicapi.modules.budgets.voting.schemas import BallotSubmit
from tests.fixtures.factories import World
from tests.modules.budgets.helpers import (
    CENSUS,
    assert_problem,
    make_budget,
    make_component,
    make_projects,
    resident,
)
from tests.modules.budgets.test_ballot_lane import lane_of

KEY = "same-key"


def _named(value: Any, names: dict[str, str]) -> Any:
    """``value`` with every id replaced by what it names and every time (``*_at``) left out."""
    if isinstance(value, dict):
        return {k: _named(v, names) for k, v in value.items() if not k.endswith("_at")}
    if isinstance(value, list | tuple):
        return [_named(v, names) for v in value]
    if isinstance(value, uuid.UUID):
        value = str(value)
    if isinstance(value, str):
        return names.get(value, value)
    return value


def _columns(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key != "id"}


async def _rows(
    db: Database, budget_id: uuid.UUID, names: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The rows the vote in this budget left, and ``names`` with the ballot's and the register entry's."""
    async with db.unit_of_work() as session:
        voter = (await session.execute(select(Voter).where(Voter.budget_id == budget_id))).scalar_one()
        ballot = (await session.execute(select(Ballot).where(Ballot.budget_id == budget_id))).scalar_one()
        items = (await session.execute(select(BallotItem).where(BallotItem.ballot_id == ballot.id))).scalars()
        record = (
            await session.execute(select(IdempotencyRecord).where(IdempotencyRecord.budget_id == budget_id))
        ).scalar_one()
        entries = (
            (await session.execute(select(AuditEntry).where(AuditEntry.resource_id == voter.id)))
            .scalars()
            .all()
        )
    names = {**names, str(voter.id): "voter", str(ballot.id): "ballot"}
    stored = _columns(record)
    stored["response"] = json.loads(stored["response"])  # the answer replayed to a retry
    rows = _named(
        {
            "ballot": _columns(ballot),
            "items": sorted(
                (_columns(item) for item in items), key=lambda item: names[str(item["project_id"])]
            ),
            "voter": _columns(voter),
            "idempotency": stored,
            "audit": [_columns(entry) for entry in entries],
        },
        names,
    )
    return rows, names


async def test_lane_and_route_write_the_same_rows_for_the_same_ballot(
    client: httpx.AsyncClient, world: World, db: Database, app: Any
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the ballot lane serves PostgreSQL only")
    person, headers = await resident(db, app, world, "L-same")
    sides = {}
    for slug in ("bp-lane", "bp-route"):
        comp = await make_component(
            client, world, settings={"vote_requirements": CENSUS, "minimum_percent": 50}, slug=slug
        )
        budget = await make_budget(client, world, comp, total=100_000)
        projects = await make_projects(client, world, comp, budget["id"], [40_000, 30_000, 20_000])
        names = {comp.id: "component", comp.process_id: "process", budget["id"]: "budget"}
        names.update({p["id"]: f"project {i}" for i, p in enumerate(projects)})
        sides[slug] = (comp, budget, projects, names)

    lane = lane_of(app)
    answers, rows = {}, {}
    for slug, enabled in (("bp-lane", True), ("bp-route", False)):
        comp, budget, projects, names = sides[slug]
        body = {"projects": [projects[0]["id"], projects[2]["id"]]}
        # the route loads the commune, component and budget into the row memo; the lane reads them there
        r = await client.get(comp.ballot(budget["id"]), headers=headers)
        assert assert_problem(r, 404)["reason"] == "no_ballot"
        served = lane.served
        lane.lanes[0].enabled = enabled  # type: ignore[attr-defined]
        try:
            r = await client.post(
                comp.ballot(budget["id"]), json=body, headers={**headers, "Idempotency-Key": KEY}
            )
        finally:
            lane.lanes[0].enabled = True  # type: ignore[attr-defined]
        assert r.status_code == 201, r.text
        assert lane.served == served + enabled, "the lane served the first, the route the second"
        rows[slug], names = await _rows(db, uuid.UUID(budget["id"]), names)
        answers[slug] = _named(r.json(), names)
        # the request's digest is of the body sent, whose project ids differ from one side to the other
        expected = digest(["submit", BallotSubmit.model_validate(body).model_dump(mode="json")])
        assert rows[slug]["idempotency"].pop("request_hash") == expected, slug

    assert answers["bp-lane"] == answers["bp-route"]
    assert rows["bp-lane"] == rows["bp-route"]
    # what was compared: the person's own rows, two items, one audit entry of the vote
    lane_rows = rows["bp-lane"]
    assert lane_rows["voter"]["user_id"] == str(person.id)
    assert [item["project_id"] for item in lane_rows["items"]] == ["project 0", "project 2"]
    assert [entry["action"] for entry in lane_rows["audit"]] == ["budgets.voter.vote"]
    assert lane_rows["idempotency"]["response"] == answers["bp-lane"]
