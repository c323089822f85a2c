"""Benchmark a large questionnaire export: time and the process's peak memory.

    .venv/bin/python bench/forms_export.py [--responses 250000] [--format csv|jsonl|xlsx] [--survey]
        [--database-url postgresql+asyncpg://...]

1. ``seed`` (its own process): migrate a database (default: SQLite in a temporary directory), make a
   commune, an administrator and a questionnaire of 10 questions (short and long answer, single and
   multiple choice, ranking, a 2-row matrix, number, date, two more choices), then ``--responses``
   responses with an answer to every question, written by Core bulk inserts (``executemany``; seeding
   through the API would take longer than the benchmark); with ``--survey`` the questionnaire is a survey's
   (a surveys component in a process, the module enabled);
2. ``export`` (a fresh process, so that its peak is the export's and not the seeding's): the app with a
   small module mounting the forms capability's export route (``forms.router_results.exports_router``;
   with ``--survey``, the surveys module's ``.../surveys/{survey_id}/responses/export``, which records its
   audit entry first),
   called as an ASGI application with a ``send`` that counts and drops the body (an HTTP client would keep
   the whole body), timing the export and reading ``ru_maxrss`` (and its value before the export).

Reports rows, bytes, seconds, rows per second and the peak RSS in MB (target: under 256 MB).
Results go to ``bench/results/forms-export-<time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes import service as communes
from civicapi.communes.dependencies import CurrentCommune
from civicapi.communes.models import Commune
from civicapi.communes.repository import CommuneRepository
from civicapi.communes.schemas import CommuneCreate
from civicapi.config import Settings
from civicapi.core.db.session import Database, create_engine
from civicapi.core.deps import SessionDep
from civicapi.core.errors import NotFound
from civicapi.forms.models import Answer, AnswerChoice, MatrixRow, Option, Question, Questionnaire, Response
from civicapi.forms.router_results import exports_router
from civicapi.identity import service as identity
from civicapi.main import create_app
from civicapi.migrate import upgrade
from civicapi.modules.surveys.models import PUBLISHED, Survey
from civicapi.registry import CivicModule, load_modules
from civicapi.spaces import service as spaces
from civicapi.spaces.schemas import ComponentCreate, ProcessCreate
from civicapi.spaces.service_components import create_component

BENCH_DIR = Path(__file__).resolve().parent
BATCH = 5000
QUESTIONS = [
    ("name", "short_answer", 0, 0),
    ("ideas", "long_answer", 0, 0),
    ("use", "single_choice", 4, 0),
    ("wishes", "multiple_choice", 5, 0),
    ("priorities", "ranking", 4, 0),
    ("rating", "matrix_single", 3, 2),
    ("age", "number", 0, 0),
    ("visit", "date", 0, 0),
    ("transport", "single_choice", 5, 0),
    ("services", "multiple_choice", 6, 0),
]
"""(name, type, options, matrix rows): 10 questions."""


async def _thing(thing_id: uuid.UUID, commune: CurrentCommune, session: SessionDep) -> Questionnaire:
    stmt = select(Questionnaire).where(
        Questionnaire.commune_id == commune.id, Questionnaire.owner_id == thing_id
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise NotFound("no such thing")
    return found


ROUTER = APIRouter()
ROUTER.include_router(exports_router(_thing, export_permission="bench.export"), prefix="/things/{thing_id}")
MODULE = CivicModule(key="bench", title={"en": "Bench"}, router=ROUTER)


def _database(url: str) -> Database:
    return Database(create_engine(url))


async def _survey(session: AsyncSession, commune: Commune) -> dict[str, str]:
    """A published surveys component (the module enabled) in a published process, with a published
    survey: the questionnaire's owner when the export goes through the survey's route."""
    registry = load_modules(None)
    found = await CommuneRepository(session).by_id(commune.id, with_modules=True)
    assert found is not None
    commune = found
    await communes.enable_module(session, registry, commune, "surveys", {})
    await session.refresh(commune, attribute_names=["modules"])
    process = await spaces.create_process(
        session, commune, ProcessCreate(slug="bench", title={"fr": "Bench"})
    )
    await spaces.set_published(session, process, True)
    data = ComponentCreate(module_key="surveys", name={"fr": "Enquêtes"})
    component = await create_component(session, registry, commune, process, data)
    await spaces.set_published(session, component, True)
    survey = Survey(
        commune_id=commune.id,
        component_id=component.id,
        status=PUBLISHED,
        title={"fr": "B"},
        published_at=dt.datetime.now(dt.UTC),
    )
    session.add(survey)
    await session.flush()
    return {"component_id": str(component.id), "survey_id": str(survey.id)}


async def seed(url: str, responses: int, survey: bool = False) -> dict[str, Any]:
    db = _database(url)
    rng = random.Random(1)
    async with db.unit_of_work() as session:
        commune = await communes.create_commune(
            session, CommuneCreate(slug="bench", name="Bench", locales=["fr"], default_locale="fr")
        )
        admin = await identity.create_user(
            session,
            email="admin@bench.test",
            display_name="admin",
            password=None,
            is_platform_admin=True,
            confirmed=True,
        )
        thing = uuid.uuid4()
        owner = ("bench", "thing", thing)
        ids: dict[str, Any] = {"commune_id": str(commune.id), "admin_id": str(admin.id), "thing": str(thing)}
        if survey:
            ids |= await _survey(session, commune)
            owner = ("surveys", "survey", uuid.UUID(ids["survey_id"]))
        q = Questionnaire(
            commune_id=commune.id,
            owner_module=owner[0],
            owner_type=owner[1],
            owner_id=owner[2],
            title={"fr": "B"},
        )
        session.add(q)
        await session.flush()
        plan = []
        for position, (name, kind, n_options, n_rows) in enumerate(QUESTIONS):
            question = Question(
                commune_id=commune.id,
                questionnaire_id=q.id,
                position=position,
                question_type=kind,
                body={"fr": name},
            )
            session.add(question)
            await session.flush()
            made_options = [
                Option(commune_id=commune.id, question_id=question.id, position=i, body={"fr": f"{name} {i}"})
                for i in range(n_options)
            ]
            made_rows = [
                MatrixRow(commune_id=commune.id, question_id=question.id, position=i, body={"fr": f"row {i}"})
                for i in range(n_rows)
            ]
            session.add_all([*made_options, *made_rows])
            await session.flush()
            plan.append((question.id, kind, [o.id for o in made_options], [r.id for r in made_rows]))
    started = time.perf_counter()
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    new_id = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)  # noqa: E731 (faster than uuid4)
    for first in range(0, responses, BATCH):
        made: list[dict[str, Any]] = []
        answers: list[dict[str, Any]] = []
        choices: list[dict[str, Any]] = []
        for i in range(first, min(responses, first + BATCH)):
            rid = new_id()
            at = start + dt.timedelta(seconds=i)
            made.append(
                {
                    "id": rid,
                    "commune_id": commune.id,
                    "questionnaire_id": q.id,
                    "respondent": new_id(),
                    "is_test": False,
                    "submitted_at": at,
                    "updated_at": at,
                }
            )
            for question_id, kind, options, rows in plan:
                aid = new_id()
                answer: dict[str, Any] = {
                    "id": aid,
                    "commune_id": commune.id,
                    "response_id": rid,
                    "question_id": question_id,
                    "text": None,
                    "number": None,
                    "day": None,
                }
                picked: list[tuple[uuid.UUID, uuid.UUID | None, int | None]] = []
                if kind == "short_answer":
                    answer["text"] = f"Resident {i}"
                elif kind == "long_answer":
                    answer["text"] = "More trees and benches along the river, please " * rng.randint(1, 3)
                elif kind == "number":
                    answer["number"] = float(rng.randint(0, 120))
                elif kind == "date":
                    answer["day"] = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
                elif kind == "single_choice":
                    picked = [(rng.choice(options), None, None)]
                elif kind == "multiple_choice":
                    picked = [(o, None, None) for o in rng.sample(options, 2)]
                elif kind == "ranking":
                    picked = [(o, None, p) for p, o in enumerate(rng.sample(options, len(options)), start=1)]
                else:
                    picked = [(rng.choice(options), row, None) for row in rows]
                answers.append(answer)
                choices += [
                    {
                        "id": new_id(),
                        "commune_id": commune.id,
                        "answer_id": aid,
                        "option_id": o,
                        "matrix_row_id": row,
                        "position": p,
                        "free_text": None,
                    }
                    for o, row, p in picked
                ]
        async with db.unit_of_work() as session:
            # Core executemany (no ORM bulk processing): what made seeding 250,000 take 19 min
            await session.execute(Response.__table__.insert(), made)
            await session.execute(Answer.__table__.insert(), answers)
            await session.execute(AnswerChoice.__table__.insert(), choices)
    ids["seed_seconds"] = round(time.perf_counter() - started, 1)
    await db.engine.dispose()
    return ids


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def export(url: str, ids: dict[str, Any], fmt: str) -> dict[str, Any]:
    settings = Settings(database_url=url)
    db = _database(url)
    app = create_app(settings, registry=load_modules(None, extra=[MODULE]), database=db)
    async with db.unit_of_work() as session:
        commune = await session.get(Commune, uuid.UUID(ids["commune_id"]))
        assert commune is not None
        await communes.enable_module(session, app.state.registry, commune, "bench", {})
    token, _ = app.state.tokens.issue(ids["admin_id"])
    path = f"/v1/communes/bench/bench/things/{ids['thing']}/responses/export"
    if "survey_id" in ids:  # the surveys module's route (audited), not the bench module's
        path = (
            f"/v1/communes/bench/surveys/components/{ids['component_id']}/surveys/{ids['survey_id']}"
            "/responses/export"
        )
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": f"format={fmt}".encode(),
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
    }
    seen = {"status": 0, "bytes": 0, "chunks": 0}

    requested = asyncio.Event()
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if not requested.is_set():
            requested.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # the client stays connected until the response is complete
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]
        elif message["type"] == "http.response.body":
            seen["bytes"] += len(message.get("body", b""))
            seen["chunks"] += 1
            if not message.get("more_body", False):
                done.set()

    before = _rss_mb()
    started = time.perf_counter()
    await app(scope, receive, send)
    seconds = time.perf_counter() - started
    await db.engine.dispose()
    return {
        "status": seen["status"],
        "bytes": seen["bytes"],
        "chunks": seen["chunks"],
        "seconds": round(seconds, 1),
        "rss_before_export_mb": round(before, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--responses", type=int, default=250_000)
    parser.add_argument("--format", choices=["csv", "jsonl", "xlsx"], default="csv")
    parser.add_argument("--database-url")
    parser.add_argument(
        "--survey", action="store_true", help="export through a survey's route (surveys module, audited)"
    )
    parser.add_argument("--phase", choices=["seed", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "seed":
        upgrade(args.database_url)
        print(json.dumps(asyncio.run(seed(args.database_url, args.responses, args.survey))))
        return
    if args.phase == "export":
        print(json.dumps(asyncio.run(export(args.database_url, json.loads(args.ids), args.format))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        me = [sys.executable, __file__, "--database-url", url, "--format", args.format]

        def phase(*extra: str) -> dict[str, Any]:
            out = subprocess.run([*me, *extra], check=True, capture_output=True, text=True).stdout
            result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
            return result

        survey = ["--survey"] if args.survey else []
        ids = phase("--phase", "seed", "--responses", str(args.responses), *survey)
        result = phase("--phase", "export", "--ids", json.dumps(ids))
    result |= {
        "responses": args.responses,
        "questions": len(QUESTIONS),
        "format": args.format,
        "route": "surveys" if args.survey else "forms (bench module)",
        "backend": url.split(":")[0],
        "seed_seconds": ids["seed_seconds"],
        "rows_per_second": round(args.responses / result["seconds"]) if result["seconds"] else None,
        "date": dt.date.today().isoformat(),
    }
    print(json.dumps(result, indent=2))
    out = BENCH_DIR / "results"
    out.mkdir(exist_ok=True)
    (out / f"forms-export-{dt.datetime.now():%Y%m%d-%H%M%S}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
