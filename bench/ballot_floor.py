"""The database floor of a ballot, a third target of ``bench/ballots.py``.

A FastAPI app with one route, as bare as the ceiling's (same uvicorn options, same request: the body is
parsed, the bearer token's claims read without checking its signature), that sends PostgreSQL exactly the
ballot lane's two statements with the lane's parameters, on the same pooled connections
(``civicapi.core.db.raw``):

1. ``LANE_READ``: the account and token checks, the person's verifications, the budget's lid and costs;
2. the guarded write: the ballot, its 10 items, its register row, its idempotency record and its audit
   entry in one statement, its own transaction.

Nothing else: no signature check, no validation of the ballot, no rules, no answer built (a fixed body
of the real answer's size is recorded and sent). So ``floor / ceiling`` is what any server keeping the
ballot's guarantees in this schema (one person one vote by constraint, idempotency, audit, the lid)
could reach on this machine, and ``civicapi / floor`` how much of it the service reaches.

    python bench/ballot_floor.py --port P     (environment: CIVICAPI_DATABASE_URL, CIVICAPI_BENCH_FLOOR)

``CIVICAPI_BENCH_FLOOR``: JSON written by ``bench/ballots.py``'s seeding (commune, component, budget,
projects and their costs).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from civicapi.core.db.raw import RawStatement, driver_connection
from civicapi.core.db.session import create_engine
from civicapi.modules.budgets.voting.lane.repository import LANE_READ, lane_facts
from civicapi.modules.budgets.voting.repository_cast import _CAST_AT_ONCE, cast_accepted

CONFIG_ENV = "CIVICAPI_BENCH_FLOOR"
ANSWER_BYTES = 1500
"""About the size of the real answer to a 10-project ballot (the record keeps it, byte for byte)."""


def _claims(authorization: str) -> dict[str, Any]:
    payload = authorization.rpartition(" ")[2].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def bare_app(engine: AsyncEngine) -> FastAPI:
    """A FastAPI app with nothing but ``GET /ready``, that disposes of ``engine`` when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return app


def floor_app() -> FastAPI:
    config = json.loads(os.environ[CONFIG_ENV])
    commune_id = uuid.UUID(config["commune_id"])
    component_id = uuid.UUID(config["component_id"])
    budget_id = uuid.UUID(config["budget_id"])
    projects = [uuid.UUID(p) for p in config["projects"]]
    expected_cost = sum(config["costs"])
    engine = create_engine(os.environ["CIVICAPI_DATABASE_URL"])
    read = RawStatement(LANE_READ, engine.dialect)
    write = RawStatement(_CAST_AT_ONCE[True, True], engine.dialect)
    answer = json.dumps({"padding": "x" * ANSWER_BYTES})
    app = bare_app(engine)

    @app.post("/ballot", status_code=201)
    async def ballot(request: Request) -> JSONResponse:
        body = await request.json()
        claims = _claims(request.headers["authorization"])
        user_id = uuid.UUID(claims["sub"])
        now = datetime.now(UTC)
        ballot_id = uuid.uuid4()
        voter_id = uuid.uuid4()
        params = {
            "b_id": ballot_id,
            "b_commune_id": commune_id,
            "b_budget_id": budget_id,
            "b_status": "checked_out",
            "b_channel": "online",
            "b_total_cost": expected_cost,
            "b_points_total": len(projects),
            "b_projects_count": len(projects),
            "b_position": None,
            "b_voter_ref": None,
            "b_extra": {},
            "item_projects": [uuid.UUID(p) for p in body["projects"]],
            "item_points": [1] * len(projects),
            "expected_count": len(projects),
            "expected_cost": expected_cost,
            "v_id": voter_id,
            "v_commune_id": commune_id,
            "v_component_id": component_id,
            "v_budget_id": budget_id,
            "v_voter_key": hashlib.sha256(f"account\x1f{commune_id}\x1f{user_id}".encode()).hexdigest(),
            "v_slot": "component",
            "v_user_id": user_id,
            "v_ballot_id": ballot_id,
            "v_status": "voted",
            "v_channel": "online",
            "v_entered_by_user_id": None,
            "v_created_at": now,
            "v_voted_at": now,
            "k_id": uuid.uuid4(),
            "k_commune_id": commune_id,
            "k_budget_id": budget_id,
            "k_owner": f"user:{user_id}",
            "k_key": request.headers["idempotency-key"],
            "k_request_hash": hashlib.sha256(json.dumps(body).encode()).hexdigest(),
            "k_status_code": 201,
            "k_response": answer,
            "k_created_at": now,
            "a_id": uuid.uuid4(),
            "a_commune_id": commune_id,
            "a_actor_type": "user",
            "a_actor_id": user_id,
            "a_action": "budgets.voter.vote",
            "a_resource_module": "budgets",
            "a_resource_type": "voter",
            "a_resource_id": voter_id,
            "a_changes": {"budget_id": str(budget_id), "channel": "online"},
            "a_visibility": "admin",
            "a_created_at": now,
        }
        ids = {"user_id": user_id, "jti": claims["jti"], "commune_id": commune_id, "budget_id": budget_id}
        async with driver_connection(engine) as connection:
            facts = lane_facts(await read.fetch(connection, ids))
            row = await write.fetchrow(connection, params)
        if facts is None or row is None or not all(cast_accepted(row, True)):
            return JSONResponse({"detail": "not written"}, status_code=409)
        return JSONResponse({"id": str(ballot_id)}, status_code=201)

    return app


def main() -> None:
    import uvicorn

    uvicorn.run(
        floor_app(),
        host="127.0.0.1",
        port=int(sys.argv[sys.argv.index("--port") + 1]),
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )


if __name__ == "__main__":
    main()
