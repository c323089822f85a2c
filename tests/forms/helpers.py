"""Builders for the forms capability's tests: a questionnaire with one question of every type written
straight into the tables (a factory for tests that are not about defining questionnaires), and probes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from civicapi.core.db.session import Database
from civicapi.forms.models import (
    DATE,
    LONG_ANSWER,
    MATRIX_MULTIPLE,
    MATRIX_SINGLE,
    MODELS,
    MULTIPLE_CHOICE,
    NUMBER,
    RANKING,
    SHORT_ANSWER,
    SINGLE_CHOICE,
    TITLE_AND_DESCRIPTION,
    MatrixRow,
    Option,
    Question,
    Questionnaire,
)


@dataclass
class Built:
    """A questionnaire written by :func:`every_type_questionnaire`: ids by a short name."""

    id: uuid.UUID
    questions: dict[str, uuid.UUID] = field(default_factory=dict)
    options: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    rows: dict[str, list[uuid.UUID]] = field(default_factory=dict)


def _t(text: str) -> dict[str, str]:
    return {"fr": text}


async def every_type_questionnaire(
    db: Database,
    commune_id: uuid.UUID,
    *,
    owner: tuple[str, str, uuid.UUID] | None = None,
) -> Built:
    """A questionnaire (owned by ``owner``, default a made-up ``example/thing/<uuid>``) with, on page 1, a
    title, a mandatory short answer (max 50 characters), a long answer, a single choice whose last option
    takes free text, a multiple choice (1 to 2 choices), a ranking of 3; on page 2, a matrix single (2 rows x
    3 options), a matrix multiple, an integer number (0-120) and a date; and a long answer shown only when
    the single choice's first option is chosen (``conditional``)."""
    module, kind, owner_id = owner or ("example", "thing", uuid.uuid4())
    async with db.unit_of_work() as session:
        q = Questionnaire(
            commune_id=commune_id,
            owner_module=module,
            owner_type=kind,
            owner_id=owner_id,
            title=_t("Consultation sur le parc"),
        )
        session.add(q)
        await session.flush()
        built = Built(q.id)
        positions = iter(range(100))

        def question(name: str, qtype: str, page: int, **fields: Any) -> Question:
            row = Question(
                commune_id=commune_id,
                questionnaire_id=q.id,
                page=page,
                position=next(positions),
                question_type=qtype,
                body=_t(name),
                **fields,
            )
            session.add(row)
            return row

        specs: list[tuple[str, str, int, dict[str, Any], list[tuple[str, bool]], list[str]]] = [
            ("intro", TITLE_AND_DESCRIPTION, 1, {}, [], []),
            ("name", SHORT_ANSWER, 1, {"mandatory": True, "max_characters": 50}, [], []),
            ("ideas", LONG_ANSWER, 1, {}, [], []),
            (
                "use",
                SINGLE_CHOICE,
                1,
                {"mandatory": True},
                [("walk", False), ("sport", False), ("other", True)],
                [],
            ),
            (
                "wishes",
                MULTIPLE_CHOICE,
                1,
                {"min_choices": 1, "max_choices": 2},
                [("trees", False), ("benches", False), ("lights", False)],
                [],
            ),
            ("priorities", RANKING, 1, {}, [("safety", False), ("nature", False), ("play", False)], []),
            (
                "rating",
                MATRIX_SINGLE,
                2,
                {},
                [("bad", False), ("fair", False), ("good", False)],
                ["paths", "toilets"],
            ),
            (
                "times",
                MATRIX_MULTIPLE,
                2,
                {},
                [("morning", False), ("noon", False), ("evening", False)],
                ["weekday", "weekend"],
            ),
            ("age", NUMBER, 2, {"number_min": 0, "number_max": 120, "number_integer": True}, [], []),
            ("visit", DATE, 2, {}, [], []),
        ]
        rows: dict[str, Question] = {}
        for name, qtype, page, fields, _options, _rows in specs:
            rows[name] = question(name, qtype, page, **fields)
        await session.flush()
        for name, _qtype, _page, _fields, options, matrix_rows in specs:
            built.questions[name] = rows[name].id
            made = [
                Option(
                    commune_id=commune_id,
                    question_id=rows[name].id,
                    position=i,
                    body=_t(text),
                    free_text=free,
                )
                for i, (text, free) in enumerate(options)
            ]
            session.add_all(made)
            made_rows = [
                MatrixRow(commune_id=commune_id, question_id=rows[name].id, position=i, body=_t(text))
                for i, text in enumerate(matrix_rows)
            ]
            session.add_all(made_rows)
            await session.flush()
            built.options[name] = [o.id for o in made]
            built.rows[name] = [r.id for r in made_rows]
        conditional = question(
            "conditional",
            LONG_ANSWER,
            2,
            conditions={
                "combine": "all",
                "rules": [
                    {
                        "question_id": str(built.questions["use"]),
                        "kind": "equals",
                        "option_id": str(built.options["use"][0]),
                    }
                ],
            },
        )
        await session.flush()
        built.questions["conditional"] = conditional.id
    return built


async def count_rows(db: Database) -> dict[str, int]:
    """Rows of every forms table (to prove a refused write wrote nothing)."""
    async with db.unit_of_work() as session:
        return {
            model.__tablename__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in MODELS
        }
