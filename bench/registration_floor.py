"""The database floor of a registration for a meeting, a target of ``bench/registrations.py``.

A FastAPI app with one route at the registration's path, as bare as the FastAPI-hello ceiling (same
uvicorn options), that sends the database exactly the statements a registration sent when it was captured
(``bench/replay.py``: the same SQL, the same transaction boundaries, on the same pooled connections of an
engine made as civicapi makes it), with this request's person, meeting and idempotency key, fresh ids and
codes, and the answers of earlier statements where the capture used them. Nothing else: the bearer
token's claims are read without checking its signature, nothing is validated, no rule is applied, and the
answer is the captured answer's bytes. So ``civicapi / floor`` is how much of the database's limit for
these statements the service reaches.

    python bench/registration_floor.py --port P    (environment: CIVICAPI_DATABASE_URL, CIVICAPI_BENCH_REPLAY)

``CIVICAPI_BENCH_REPLAY``: the pickle ``bench/registrations.py`` wrote (the plan, the capture's time and
values, the answer).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ballot_floor import _claims as claims
from ballot_floor import bare_app
from ballots import serve
from fastapi import FastAPI, Request, Response
from replay import Replayer

from civicapi.core.db.session import create_engine

PLAN_ENV = "CIVICAPI_BENCH_REPLAY"
PATH = "/v1/communes/{commune}/agenda/components/{component_id}/meetings/{meeting_id}/registrations"


def given(authorization: str, meeting_id: str, key: str) -> dict[str, Any]:
    """A registration request's own values, by the names the capture used."""
    data = claims(authorization)  # unchecked: the floor spends nothing the database does not see
    return {
        "user": uuid.UUID(data["sub"]),
        "jti": data["jti"],
        "meeting": uuid.UUID(meeting_id),
        "key": key,
        "key_hash": hashlib.sha256(key.encode()).hexdigest(),
    }


def replaying_app(path: str, given_of: Callable[[Request], dict[str, Any]]) -> FastAPI:
    """The bare app whose ``POST path`` replays the plan of ``CIVICAPI_BENCH_REPLAY`` with the request's
    values (``given_of``) and answers the captured answer's bytes."""
    # Written by the benchmark in its own temporary directory, for this process alone.
    saved = pickle.loads(Path(os.environ[PLAN_ENV]).read_bytes())  # noqa: S301
    engine = create_engine(os.environ["CIVICAPI_DATABASE_URL"])
    replayer = Replayer(engine, saved["ops"], saved["captured_at"], saved["given"])
    answer: bytes = saved["answer"]
    app = bare_app(engine)

    @app.post(path, status_code=201)
    async def write(request: Request) -> Response:
        await request.json()
        await replayer.run(given_of(request))
        return Response(answer, status_code=201, media_type="application/json")

    return app


def floor_app() -> FastAPI:
    def given_of(request: Request) -> dict[str, Any]:
        headers = request.headers
        meeting_id = request.path_params["meeting_id"]
        return given(headers["authorization"], meeting_id, headers.get("idempotency-key", ""))

    return replaying_app(PATH, given_of)


def main() -> None:
    serve(floor_app(), int(sys.argv[sys.argv.index("--port") + 1]))


if __name__ == "__main__":
    main()
