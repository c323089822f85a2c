"""Seed the demo commune for the surveys results benchmark (run by bench/run.py after `civicapi seed-demo`).

    CIVICAPI_DATABASE_URL=... .venv/bin/python bench/seed_surveys.py [--count 100000]

Creates, in the demo commune: a published process and a published surveys component with a published
survey whose results are published, its questionnaire of 10 questions (the forms export benchmark's:
short and long answer, single and multiple choice, ranking, a 2-row matrix, number, date, two more
choices), and ``--count`` answers to every question from 6 districts and 4 age bands, written by Core
bulk inserts (``executemany`` of responses, answers and chosen options, 5,000 responses a statement), not
requests.

Prints one JSON object of placeholders: ``surveys_component_id``, ``survey_id``, ``seed_seconds``.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from typing import Any

from forms_export import QUESTIONS
from seeding import demo_component, seed_main

from civicapi.config import get_settings
from civicapi.core.db.session import Database, create_engine
from civicapi.forms.models import Answer, AnswerChoice, MatrixRow, Option, Question, Questionnaire, Response
from civicapi.modules.surveys.models import PUBLISHED, Survey
from civicapi.registry import load_modules
from civicapi.spaces.schemas import ComponentCreate

BATCH = 5000
DISTRICTS = ("Centre", "Nord", "Sud", "Est", "Ouest", "Gare")
AGE_BANDS = ("16-29", "30-44", "45-64", "65+")
Plan = list[tuple[uuid.UUID, str, list[uuid.UUID], list[uuid.UUID]]]


async def _survey(db: Database, rng: random.Random) -> tuple[dict[str, str], uuid.UUID, uuid.UUID, Plan]:
    settings = get_settings()
    registry = load_modules(settings.modules)
    data = ComponentCreate(module_key="surveys", name={"fr": "Enquêtes (bench)"})
    async with db.unit_of_work() as session:
        commune, _process, component = await demo_component(
            session, registry, rng, data, slug="bench-surveys", title="Enquêtes (bench)"
        )
        survey = Survey(
            commune_id=commune.id,
            component_id=component.id,
            status=PUBLISHED,
            title={"fr": "Le parc (bench)"},
            results_published=True,
            published_at=dt.datetime.now(dt.UTC),
        )
        session.add(survey)
        await session.flush()
        q = Questionnaire(
            commune_id=commune.id,
            owner_module="surveys",
            owner_type="survey",
            owner_id=survey.id,
            title={"fr": "Le parc (bench)"},
        )
        session.add(q)
        await session.flush()
        plan: Plan = []
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
            options = [
                Option(commune_id=commune.id, question_id=question.id, position=i, body={"fr": f"{name} {i}"})
                for i in range(n_options)
            ]
            rows = [
                MatrixRow(commune_id=commune.id, question_id=question.id, position=i, body={"fr": f"row {i}"})
                for i in range(n_rows)
            ]
            session.add_all([*options, *rows])
            await session.flush()
            plan.append((question.id, kind, [o.id for o in options], [r.id for r in rows]))
        ids = {"surveys_component_id": str(component.id), "survey_id": str(survey.id)}
        return ids, commune.id, q.id, plan


def _answer(
    rng: random.Random,
    i: int,
    kind: str,
    options: list[uuid.UUID],
    rows: list[uuid.UUID],
    answer: dict[str, Any],
) -> list[tuple[uuid.UUID, uuid.UUID | None, int | None]]:
    """Fill ``answer``'s value; the chosen (option, row, position)."""
    if kind == "short_answer":
        answer["text"] = f"Resident {i}"
    elif kind == "long_answer":
        answer["text"] = "More trees and benches along the river, please"
    elif kind == "number":
        answer["number"] = float(rng.randint(0, 120))
    elif kind == "date":
        answer["day"] = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
    elif kind == "single_choice":
        return [(rng.choice(options), None, None)]
    elif kind == "multiple_choice":
        return [(o, None, None) for o in rng.sample(options, 2)]
    elif kind == "ranking":
        return [(o, None, p) for p, o in enumerate(rng.sample(options, len(options)), start=1)]
    else:
        return [(rng.choice(options), row, None) for row in rows]
    return []


async def seed(count: int) -> dict[str, str]:
    db = Database(create_engine(get_settings().database_url))
    rng = random.Random(7)
    new_id = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)  # noqa: E731 (faster than uuid4)
    try:
        ids, commune_id, questionnaire_id, plan = await _survey(db, rng)
        started = time.perf_counter()
        start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
        inserts = (Response.__table__.insert(), Answer.__table__.insert(), AnswerChoice.__table__.insert())
        for first in range(0, count, BATCH):
            responses: list[dict[str, Any]] = []
            answers: list[dict[str, Any]] = []
            choices: list[dict[str, Any]] = []
            for i in range(first, min(count, first + BATCH)):
                rid, at = new_id(), start + dt.timedelta(seconds=i)
                district = DISTRICTS[min(int(rng.expovariate(0.6)), len(DISTRICTS) - 1)]
                responses.append(
                    {
                        "id": rid,
                        "commune_id": commune_id,
                        "questionnaire_id": questionnaire_id,
                        "user_id": None,
                        "respondent": new_id(),
                        "district": district,
                        "age_band": rng.choice(AGE_BANDS),
                        "is_test": False,
                        "submitted_at": at,
                        "updated_at": at,
                    }
                )
                for question_id, kind, options, rows in plan:
                    aid = new_id()
                    answer: dict[str, Any] = {
                        "id": aid,
                        "commune_id": commune_id,
                        "response_id": rid,
                        "question_id": question_id,
                        "text": None,
                        "number": None,
                        "day": None,
                        "hidden_at": None,
                    }
                    picked = _answer(rng, i, kind, options, rows, answer)
                    answers.append(answer)
                    choices += [
                        {
                            "id": new_id(),
                            "commune_id": commune_id,
                            "answer_id": aid,
                            "option_id": o,
                            "matrix_row_id": row,
                            "position": p,
                            "free_text": None,
                            "hidden_at": None,
                        }
                        for o, row, p in picked
                    ]
            async with db.unit_of_work() as session:
                for statement, rows_ in zip(inserts, (responses, answers, choices), strict=True):
                    await session.execute(statement, rows_)
        async with db.unit_of_work() as session:
            survey = await session.get(Survey, uuid.UUID(ids["survey_id"]))
            assert survey is not None
            survey.answers_count = count
            q = await session.get(Questionnaire, questionnaire_id)
            assert q is not None
            q.responses_count = count
        return {**ids, "seed_seconds": str(round(time.perf_counter() - started, 1))}
    finally:
        await db.engine.dispose()


if __name__ == "__main__":
    seed_main(__doc__, seed, 100_000, "answers")
