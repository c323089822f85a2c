"""Benchmark answering a survey (10 questions) against its database floor, measured in the same run.

    .venv/bin/python bench/surveys_submit.py [--duration 5] [--connections 32] [--rounds 3] [--people 20000]
        [--database-url postgresql+asyncpg://user:pass@127.0.0.1/bench]     (default: a fresh SQLite)
    .venv/bin/python bench/surveys_submit.py --floor --port P    (the floor; started by the benchmark)

1. migrate a fresh database, `civicapi seed-demo`, then in the demo commune a published surveys component
   with a published survey open now (one answer per person) whose questionnaire has 10 questions of every
   answerable type (short and long answers, single and multiple choice, ranking, matrices, number, date),
   and ``--people`` accounts with access tokens;
2. capture, in this process (the app as ``civicapi serve`` builds it), the statements of two answers after
   a few that warm its caches; ``bench/replay.py`` explains every parameter of the second by the first
   (the person, the key, ids drawn, times) or stops;
3. start ``civicapi serve`` and the floor (``--floor``: a bare FastAPI route at the same path replaying
   those statements with each request's values, nothing else), and load each in turn, interleaved for
   ``--rounds`` rounds: every request is a new person answering the survey (with an ``Idempotency-Key``).

The figure is civicapi ÷ floor (median requests/s, and per round). Only 127.0.0.1 is targeted; results go
to ``bench/results/surveys-submit-<time>.json``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import random
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
from ballot_floor import _claims as claims
from ballots import BENCH_DIR, BIN, Voters, serve
from fastapi import FastAPI, Request
from registration_floor import replaying_app
from registrations import Prepared, against_floor, floor_parser
from replay import Op, Replayer, capture, saved_plan

PATH = "/v1/communes/demo/surveys/components/{component_id}/surveys/{survey_id}/responses"
WARM = 3


# --- the survey -------------------------------------------------------------------------------------------


async def seed_survey() -> dict[str, Any]:
    """The component, the survey and a valid answer to its 10 questions (the body every request sends)."""
    from seeding import demo_component

    from civicapi.config import get_settings
    from civicapi.core.db.base import utcnow
    from civicapi.core.db.session import Database, create_engine
    from civicapi.forms import models as f
    from civicapi.modules.surveys.models import PUBLISHED, Survey
    from civicapi.registry import load_modules
    from civicapi.spaces.schemas import ComponentCreate

    settings = get_settings()
    db = Database(create_engine(settings.database_url))
    questions: list[tuple[str, dict[str, Any], list[bool], int]] = [  # type, fields, options, matrix rows
        (f.SHORT_ANSWER, {"mandatory": True, "max_characters": 80}, [], 0),
        (f.LONG_ANSWER, {}, [], 0),
        (f.SINGLE_CHOICE, {"mandatory": True}, [False, False, True], 0),
        (f.MULTIPLE_CHOICE, {"min_choices": 1, "max_choices": 2}, [False, False, False], 0),
        (f.RANKING, {}, [False, False, False], 0),
        (f.MATRIX_SINGLE, {}, [False, False, False], 2),
        (f.MATRIX_MULTIPLE, {}, [False, False, False], 2),
        (f.NUMBER, {"number_min": 0, "number_max": 120, "number_integer": True}, [], 0),
        (f.DATE, {}, [], 0),
        (f.SHORT_ANSWER, {}, [], 0),
    ]
    answers: list[dict[str, Any]] = []
    try:
        async with db.unit_of_work() as session:
            data = ComponentCreate(module_key="surveys", name={"fr": "Enquêtes (bench)"})
            commune, _, component = await demo_component(
                session,
                load_modules(settings.modules),
                random.Random(),
                data,
                slug="bench-surveys",
                title="Enquêtes",
            )
            survey = Survey(
                commune_id=commune.id,
                component_id=component.id,
                status=PUBLISHED,
                title={"fr": "Consultation (bench)"},
                published_at=utcnow(),
            )
            session.add(survey)
            await session.flush()
            form = f.Questionnaire(
                commune_id=commune.id, owner_module="surveys", owner_type="survey", owner_id=survey.id
            )
            session.add(form)
            await session.flush()
            for position, (kind, fields, free, rows) in enumerate(questions):
                q = f.Question(
                    commune_id=commune.id,
                    questionnaire_id=form.id,
                    page=1 + position // 5,
                    position=position,
                    question_type=kind,
                    body={"fr": f"Question {position + 1}"},
                    **fields,
                )
                session.add(q)
                await session.flush()
                options = [
                    f.Option(
                        commune_id=commune.id, question_id=q.id, position=i, body={"fr": f"{i}"}, free_text=x
                    )
                    for i, x in enumerate(free)
                ]
                matrix = [
                    f.MatrixRow(commune_id=commune.id, question_id=q.id, position=i, body={"fr": f"{i}"})
                    for i in range(rows)
                ]
                session.add_all([*options, *matrix])
                await session.flush()
                answers.append(_answer(kind, q.id, [o.id for o in options], [r.id for r in matrix]))
            ids = {"component_id": str(component.id), "survey_id": str(survey.id)}
    finally:
        await db.dispose()
    return {**ids, "body": json.dumps({"answers": answers}).encode()}


def _answer(
    kind: str, question: uuid.UUID, options: list[uuid.UUID], rows: list[uuid.UUID]
) -> dict[str, Any]:
    from civicapi.forms import models as f

    o = [str(x) for x in options]
    r = [str(x) for x in rows]
    value: dict[str, Any] = {
        f.SHORT_ANSWER: {"text": "Marie"},
        f.LONG_ANSWER: {"text": "Plus d'arbres près de l'étang, et des bancs à l'ombre."},
        f.SINGLE_CHOICE: {"choices": [{"option_id": o[0]}] if o else []},
        f.MULTIPLE_CHOICE: {"choices": [{"option_id": x} for x in o[:2]]},
        f.RANKING: {"choices": [{"option_id": x, "position": i + 1} for i, x in enumerate(o)]},
        f.MATRIX_SINGLE: {"choices": [{"option_id": o[i], "row_id": x} for i, x in enumerate(r)]},
        f.MATRIX_MULTIPLE: {"choices": [{"option_id": y, "row_id": x} for x in r for y in o[:2]]},
        f.NUMBER: {"number": 42},
        f.DATE: {"date": "2026-05-01"},
    }[kind]
    return {"question_id": str(question), **value}


# --- the floor ---------------------------------------------------------------------------------------------


def given(authorization: str, key: str) -> dict[str, Any]:
    """An answer's own values, by the names the capture used: the person (and their token), the key."""
    data = claims(authorization)  # unchecked: the floor spends nothing the database does not see
    return {
        "user": uuid.UUID(data["sub"]),
        "jti": data["jti"],
        "key": key,
        "key_hash": hashlib.sha256(key.encode()).hexdigest(),
    }


def floor_app() -> FastAPI:
    def given_of(request: Request) -> dict[str, Any]:
        return given(request.headers["authorization"], request.headers.get("idempotency-key", ""))

    return replaying_app(PATH.replace("/demo/", "/{commune}/"), given_of)


# --- capture and check --------------------------------------------------------------------------------------


async def capture_two(path: str, body: bytes, voters: Voters) -> dict[str, Any]:
    """The plan of an answer (see the module's docstring), its capture's time and values, its answer."""
    from civicapi.config import get_settings
    from civicapi.core.db.session import Database, create_engine
    from civicapi.main import create_app

    settings = get_settings()
    db = Database(create_engine(settings.database_url))
    app = create_app(settings, database=db)
    captured: list[tuple[list[Op], dict[str, Any], dt.datetime, httpx.Response]] = []
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            for _ in range(WARM + 2):
                token = voters.take()
                assert token is not None
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": token[-24:],
                    "Content-Type": "application/json",
                }
                ops: list[Op] = []
                started = dt.datetime.now(dt.UTC)
                with capture(db.engine, ops):
                    response = await client.post(path, content=body, headers=headers)
                if response.status_code != 201:
                    raise RuntimeError(f"an answer answered {response.status_code}: {response.text}")
                captured.append((ops, given(headers["Authorization"], token[-24:]), started, response))
    finally:
        await db.dispose()
    return saved_plan(captured)


async def check_floor(saved: dict[str, Any], survey_id: str, voters: Voters) -> None:
    """Replay the plan once for a new person, as the floor will: their answer must be registered."""
    from sqlalchemy import func, select

    from civicapi.config import get_settings
    from civicapi.core.db.session import Database, create_engine
    from civicapi.modules.surveys.models import Participant

    db = Database(create_engine(get_settings().database_url))
    try:
        token = voters.take()
        assert token is not None
        values = given(f"Bearer {token}", token[-24:])
        await Replayer(db.engine, saved["ops"], saved["captured_at"], saved["given"]).run(values)
        async with db.unit_of_work() as session:
            stmt = select(func.count()).where(
                Participant.user_id == values["user"], Participant.survey_id == uuid.UUID(survey_id)
            )
            if await session.scalar(stmt) != 1:
                raise RuntimeError("the floor's replay did not register the answer")
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--floor" in argv:
        serve(floor_app(), int(argv[argv.index("--port") + 1]))
        return 0
    args = floor_parser(__doc__, 20_000, "accounts seeded (one answer each)").parse_args(argv)

    def prepare(voters: Voters, env: dict[str, str], workdir: Path) -> Prepared:
        survey = asyncio.run(seed_survey())
        path = PATH.format(component_id=survey["component_id"], survey_id=survey["survey_id"])
        saved = asyncio.run(capture_two(path, survey["body"], voters))
        asyncio.run(check_floor(saved, survey["survey_id"], voters))
        return Prepared(saved, survey["body"], lambda n: path)

    floor_cmd = [str(BIN / "python"), str(BENCH_DIR / "surveys_submit.py"), "--floor"]
    return against_floor(
        argv,
        args,
        what="an answer (10 questions)",
        name="surveys-submit",
        floor_cmd=floor_cmd,
        prepare=prepare,
    )


if __name__ == "__main__":
    raise SystemExit(main())
