"""Deterministic random answers to a questionnaire, as a respondent would give them (what the demo seeds
through ``forms.service_submission.submit``): every question type, mandatory ones always answered, a
question behind an ``equals`` display condition answered only when it is shown."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from civicapi.forms.models import (
    DATE,
    LONG_ANSWER,
    MATRIX_MULTIPLE,
    MATRIX_SINGLE,
    MULTIPLE_CHOICE,
    NUMBER,
    RANKING,
    SHORT_ANSWER,
    SINGLE_CHOICE,
)
from civicapi.forms.schemas_definition import QuestionnaireRead, QuestionRead
from civicapi.forms.schemas_submission import SubmissionIn

WORDS = ("Calme", "Verdure", "Famille", "Sport", "Nature", "Fraîcheur", "Rencontres")
IDEAS = (
    "Plus de bancs à l'ombre, svp",
    "Des fontaines d'eau potable",
    "Un potager partagé",
    "Éclairer l'allée du nord le soir",
    "More bins near the playground",
    "Een hondenweide",
)
WHY_NOT = ("Trop loin de chez moi", "Pas le temps", "Je ne me sens pas en sécurité le soir")
OTHER = ("Yoga", "Lecture", "Photographie", "Pétanque")


def _shown(question: QuestionRead, chosen: dict[str, set[str]]) -> bool:
    """The question's ``equals``/``not_equals`` conditions against the options chosen so far."""
    if not question.conditions:
        return True
    rules: list[dict[str, Any]] = list(question.conditions.get("rules", []))  # type: ignore[call-overload]
    met = [
        (str(rule.get("option_id")) in chosen.get(str(rule["question_id"]), set()))
        == (rule["kind"] == "equals")
        for rule in rules
    ]
    return all(met) if question.conditions.get("combine", "all") == "all" else any(met)


def _choices(rng: random.Random, question: QuestionRead) -> list[dict[str, Any]] | None:
    options = question.options
    kind = question.question_type
    if kind == SINGLE_CHOICE:
        picked = [rng.choices(options, weights=range(len(options), 0, -1))[0]]
    elif kind == MULTIPLE_CHOICE:
        low, high = max(question.min_choices or 1, 1), question.max_choices or len(options)
        picked = sorted(
            rng.sample(options, rng.randint(low, min(high, len(options)))), key=lambda o: o.position
        )
    elif kind == RANKING:
        order = rng.sample(options, len(options))
        return [{"option_id": o.id, "position": i} for i, o in enumerate(order, start=1)]
    elif kind == MATRIX_SINGLE:
        return [{"option_id": rng.choice(options).id, "row_id": row.id} for row in question.rows]
    else:  # MATRIX_MULTIPLE
        made = [
            {"option_id": o.id, "row_id": row.id}
            for row in question.rows
            for o in rng.sample(options, rng.randint(0, 2))
        ]
        return made or None
    return [{"option_id": o.id, **({"free_text": rng.choice(OTHER)} if o.free_text else {})} for o in picked]


def _value(rng: random.Random, question: QuestionRead, today: date) -> dict[str, Any] | None:
    kind = question.question_type
    if kind == SHORT_ANSWER:
        return {"text": rng.choice(WORDS)}
    if kind == LONG_ANSWER:
        return {"text": rng.choice(WHY_NOT if question.conditions else IDEAS)}
    if kind == NUMBER:
        low, high = int(question.number_min or 0), int(question.number_max or 100)
        return {"number": min(high, max(low, int(rng.expovariate(1 / 12))))}
    if kind == DATE:
        return {"date": (today - timedelta(days=rng.randint(0, 200))).isoformat()}
    if kind in (SINGLE_CHOICE, MULTIPLE_CHOICE, RANKING, MATRIX_SINGLE, MATRIX_MULTIPLE):
        choices = _choices(rng, question)
        return {"choices": choices} if choices else None
    return None  # a title and description takes no answer


def random_submission(rng: random.Random, form: QuestionnaireRead, today: date) -> SubmissionIn:
    """One plausible response: mandatory questions always answered, others 3 times in 4, a question shown
    by a condition answered when shown (hidden ones never)."""
    answers: list[dict[str, Any]] = []
    chosen: dict[str, set[str]] = {}
    for page in form.pages:
        for question in page.questions:
            if not _shown(question, chosen) or (not question.mandatory and rng.random() < 0.25):
                continue
            value = _value(rng, question, today)
            if value is None:
                continue
            answers.append({"question_id": question.id, **value})
            chosen[str(question.id)] = {str(c["option_id"]) for c in value.get("choices", [])}
    return SubmissionIn.model_validate({"answers": answers, "terms_accepted": True})
