"""Responses for the results and exports tests, written straight into the tables (bulk inserts), and what
they say, kept in Python so that a test can compute the expected results on its own."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from civicapi.core.db.session import Database
from civicapi.forms.models import Answer, AnswerChoice, Question, Response
from tests.forms.helpers import Built

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Given:
    """One seeded response: its ids, attributes and answers (question name -> value)."""

    id: uuid.UUID
    respondent: uuid.UUID
    district: str | None
    age_band: str | None
    is_test: bool
    submitted_at: datetime
    answers: dict[str, Any] = field(default_factory=dict)
    answer_ids: dict[str, uuid.UUID] = field(default_factory=dict)


def _answers(rng: random.Random, built: Built, i: int) -> dict[str, Any]:
    o = built.options
    rows = built.rows
    answers: dict[str, Any] = {"name": f"Name {i}", "use": rng.choice(o["use"])}
    if rng.random() < 0.6:
        answers["ideas"] = rng.choice(["=SUM(A1)", "More trees", "Plus de bancs, svp", "Moins de bruit"])
    answers["wishes"] = rng.sample(o["wishes"], rng.randint(1, 2))
    if rng.random() < 0.8:
        answers["priorities"] = rng.sample(o["priorities"], 3)
    answers["rating"] = {row: rng.choice(o["rating"]) for row in rows["rating"]}
    times = {row: rng.sample(o["times"], rng.randint(0, 2)) for row in rows["times"]}
    if any(times.values()):
        answers["times"] = {row: chosen for row, chosen in times.items() if chosen}
    if rng.random() < 0.9:
        answers["age"] = rng.randint(0, 120)
    if rng.random() < 0.7:
        answers["visit"] = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
    return answers


async def seed_responses(
    db: Database,
    commune_id: uuid.UUID,
    built: Built,
    n: int,
    *,
    seed: int = 1,
    groups: Sequence[tuple[str | None, str | None]] | None = None,
    is_test: bool = False,
    user_id: uuid.UUID | None = None,
    batch: int = 2000,
) -> list[Given]:
    """``n`` random responses to ``built`` (an :func:`every_type_questionnaire`), the ``i``-th of district
    and age band ``groups[i % len(groups)]`` (default: none), all given by ``user_id`` (default: nobody), bulk-inserted ``batch`` at a time."""
    rng = random.Random(seed)
    given: list[Given] = []
    for start in range(0, n, batch):
        responses, answers, choices = [], [], []
        for i in range(start, min(n, start + batch)):
            district, age_band = groups[i % len(groups)] if groups else (None, None)
            g = Given(
                id=uuid.uuid4(),
                respondent=uuid.uuid4(),
                district=district,
                age_band=age_band,
                is_test=is_test,
                submitted_at=START + timedelta(seconds=i),
                answers=_answers(rng, built, i),
            )
            given.append(g)
            responses.append(
                {
                    "id": g.id,
                    "commune_id": commune_id,
                    "questionnaire_id": built.id,
                    "respondent": g.respondent,
                    "district": district,
                    "age_band": age_band,
                    "is_test": is_test,
                    "user_id": user_id,
                    "submitted_at": g.submitted_at,
                    "updated_at": g.submitted_at,
                }
            )
            for name, value in g.answers.items():
                answer_id = uuid.uuid4()
                g.answer_ids[name] = answer_id
                row: dict[str, Any] = {
                    "id": answer_id,
                    "commune_id": commune_id,
                    "response_id": g.id,
                    "question_id": built.questions[name],
                    "text": value if isinstance(value, str) else None,
                    "number": float(value) if isinstance(value, int) else None,
                    "day": value if isinstance(value, date) else None,
                }
                answers.append(row)
                for option, matrix_row, position in _choices(name, value):
                    choices.append(
                        {
                            "id": uuid.uuid4(),
                            "commune_id": commune_id,
                            "answer_id": answer_id,
                            "option_id": option,
                            "matrix_row_id": matrix_row,
                            "position": position,
                            "free_text": None,
                        }
                    )
        async with db.unit_of_work() as session:
            await session.execute(insert(Response), responses)
            await session.execute(insert(Answer), answers)
            if choices:
                await session.execute(insert(AnswerChoice), choices)
    return given


def _choices(name: str, value: Any) -> list[tuple[uuid.UUID, uuid.UUID | None, int | None]]:
    if name == "use":
        return [(value, None, None)]
    if name == "wishes":
        return [(v, None, None) for v in value]
    if name == "priorities":
        return [(v, None, position) for position, v in enumerate(value, start=1)]
    if name == "rating":
        return [(v, row, None) for row, v in value.items()]
    if name == "times":
        return [(v, row, None) for row, chosen in value.items() for v in chosen]
    return []


async def in_order(db: Database, built: Built) -> Built:
    """Give ``built``'s questions the positions of their order of creation (``every_type_questionnaire``
    leaves the first ten at 0, so that their order is their ids')."""
    async with db.unit_of_work() as session:
        for position, question_id in enumerate(built.questions.values()):
            await session.execute(
                update(Question).where(Question.id == question_id).values(position=position)
            )
    return built
