"""The surveys' part of ``civicapi seed-demo`` (idempotent): in the demo's participatory budget process
(``bp-demo``), a published surveys component with a published survey on the park whose questionnaire has
every question type (and a question shown by a display condition), its results published, and
:data:`ANSWERS` answers given through the forms capability's ``submit`` (deterministic random answers,
without an account, from the districts and age bands below: some groups are small, so the breakdowns show
small-group suppression)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.repository import CommuneRepository
from civicapi.core.db.base import utcnow
from civicapi.core.links import ResourceRef
from civicapi.forms import service_definition as definitions
from civicapi.forms import service_structure as structure
from civicapi.forms import service_submission
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
    TITLE_AND_DESCRIPTION,
)
from civicapi.forms.schemas_definition import QuestionCreate, QuestionnaireWrite
from civicapi.forms.service_definition import Editing, FormOwner
from civicapi.forms.service_submission import Answerer
from civicapi.modules.surveys.common.reading import KEY, OWNER_TYPE
from civicapi.modules.surveys.models import PUBLISHED, Survey
from civicapi.modules.surveys.results.demo_answers import random_submission
from civicapi.modules.surveys.results.repository import ResultsSurveyRepository
from civicapi.registry import DemoContext
from civicapi.spaces import service as spaces
from civicapi.spaces.repository import ComponentRepository
from civicapi.spaces.schemas import ComponentCreate
from civicapi.spaces.service_components import create_component

PROCESS_SLUG = "bp-demo"
NAME = {"fr": "Enquêtes", "nl": "Enquêtes", "en": "Surveys"}
ANSWERS = 300
SEED = 2026
GROUPS: tuple[tuple[tuple[str | None, str | None], int], ...] = (
    # (district, age band), weight: Ouest, the seniors and the answers without a district are few (pooled
    # into `other` in the breakdowns)
    (("Centre", "30-44"), 30),
    (("Centre", "45-64"), 20),
    (("Centre", "16-29"), 12),
    (("Nord", "30-44"), 14),
    (("Nord", "65+"), 1),
    (("Sud", "45-64"), 15),
    (("Sud", "16-29"), 6),
    (("Ouest", "65+"), 1),
    ((None, None), 1),
)


def _t(fr: str, nl: str, en: str) -> dict[str, str]:
    return {"fr": fr, "nl": nl, "en": en}


def _options(*texts: tuple[str, str, str], other: bool = False) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = [{"body": _t(*t)} for t in texts]
    if other:
        made.append({"body": _t("Autre", "Anders", "Other"), "free_text": True})
    return made


FREQUENCY = _options(
    ("Chaque jour", "Elke dag", "Every day"),
    ("Chaque semaine", "Elke week", "Every week"),
    ("Rarement", "Zelden", "Rarely"),
    ("Jamais", "Nooit", "Never"),
)
QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "question_type": TITLE_AND_DESCRIPTION,
        "body": _t("Votre parc, votre avis", "Uw park, uw mening", "Your park, your say"),
        "description": _t(
            "Dix minutes pour préparer le réaménagement du parc.",
            "Tien minuten voor de heraanleg van het park.",
            "Ten minutes to prepare the park's redesign.",
        ),
    },
    {
        "question_type": SHORT_ANSWER,
        "body": _t("Le parc en un mot ?", "Het park in één woord?", "The park in one word?"),
        "max_characters": 40,
    },
    {
        "question_type": SINGLE_CHOICE,
        "body": _t("Venez-vous au parc ?", "Komt u naar het park?", "Do you come to the park?"),
        "mandatory": True,
        "options": FREQUENCY,
    },
    {
        "question_type": MULTIPLE_CHOICE,
        "body": _t("Qu'y faites-vous ?", "Wat doet u er?", "What do you do there?"),
        "min_choices": 1,
        "max_choices": 3,
        "options": _options(
            ("Promenade", "Wandelen", "Walking"),
            ("Sport", "Sport", "Sport"),
            ("Jeux d'enfants", "Kinderspelen", "Children's play"),
            ("Pique-nique", "Picknick", "Picnic"),
            other=True,
        ),
    },
    {
        "question_type": RANKING,
        "body": _t("Classez ces priorités", "Rangschik deze prioriteiten", "Rank these priorities"),
        "options": _options(
            ("Propreté", "Netheid", "Cleanliness"),
            ("Sécurité", "Veiligheid", "Safety"),
            ("Nature", "Natuur", "Nature"),
            ("Éclairage", "Verlichting", "Lighting"),
        ),
    },
    {
        "question_type": MATRIX_SINGLE,
        "page": 2,
        "body": _t("Comment jugez-vous...", "Hoe beoordeelt u...", "How do you rate..."),
        "options": _options(
            ("Mauvais", "Slecht", "Poor"), ("Correct", "Redelijk", "Fair"), ("Bon", "Goed", "Good")
        ),
        "rows": [
            {"body": _t(*r)}
            for r in (
                ("les allées", "de paden", "the paths"),
                ("les bancs", "de banken", "the benches"),
                ("les toilettes", "de toiletten", "the toilets"),
            )
        ],
    },
    {
        "question_type": MATRIX_MULTIPLE,
        "page": 2,
        "body": _t("Quand venez-vous ?", "Wanneer komt u?", "When do you come?"),
        "options": _options(
            ("Matin", "Ochtend", "Morning"), ("Midi", "Middag", "Noon"), ("Soir", "Avond", "Evening")
        ),
        "rows": [
            {"body": _t(*r)}
            for r in (("En semaine", "Weekdagen", "Weekdays"), ("Le week-end", "Weekend", "Weekends"))
        ],
    },
    {
        "question_type": NUMBER,
        "page": 2,
        "body": _t(
            "À combien de minutes à pied habitez-vous ?",
            "Op hoeveel minuten wandelen woont u?",
            "How many minutes' walk away do you live?",
        ),
        "number_min": 0,
        "number_max": 120,
        "number_integer": True,
    },
    {
        "question_type": DATE,
        "page": 2,
        "body": _t("Votre dernière visite ?", "Uw laatste bezoek?", "Your last visit?"),
    },
    {
        "question_type": LONG_ANSWER,
        "page": 2,
        "body": _t("Une idée pour le parc ?", "Een idee voor het park?", "An idea for the park?"),
        "max_characters": 1000,
    },
)
WHY_NOT = {
    "question_type": LONG_ANSWER,
    "body": _t("Pourquoi n'y venez-vous jamais ?", "Waarom komt u er nooit?", "Why do you never come?"),
    "max_characters": 500,
}
"""Shown only to those who answered "Never" (a display condition on the frequency question)."""


async def seed(session: AsyncSession, context: DemoContext) -> list[ResourceRef]:
    """The surveys' demo content, once; the surveys it made (or found)."""
    commune = await CommuneRepository(session).by_id(context.commune_id, with_modules=True)
    process_id = context.processes.get(PROCESS_SLUG)
    if context.registry.get(KEY) is None or commune is None or process_id is None:
        return []
    repo = ResultsSurveyRepository(session, commune.id)
    for existing in await ComponentRepository(session, commune.id).of_process(process_id):
        if existing.module_key == KEY:
            return [ResourceRef(KEY, OWNER_TYPE, i) for i in await repo.ids_in_component(existing.id)]
    process = await spaces.get_process(session, commune, process_id, include_unpublished=True)
    component = await create_component(
        session, context.registry, commune, process, ComponentCreate(module_key=KEY, name=NAME)
    )
    await spaces.set_published(session, component, True)
    now = utcnow()
    survey = repo.add(
        Survey(
            component_id=component.id,
            status=PUBLISHED,
            title=_t("Le parc de demain", "Het park van morgen", "Tomorrow's park"),
            description=_t(
                "Donnez votre avis sur le réaménagement du parc communal.",
                "Geef uw mening over de heraanleg van het gemeentepark.",
                "Tell us what you think of the park's redesign.",
            ),
            starts_at=now - timedelta(days=20),
            ends_at=now + timedelta(days=40),
            answers_without_account=True,
            results_published=True,
            published_at=now - timedelta(days=20),
        )
    )
    await session.flush()
    owner = FormOwner(commune.id, KEY, OWNER_TYPE, survey.id, tuple(commune.locales))
    await _questionnaire(session, owner, survey.title)
    survey.answers_count = await _answers(session, owner, now)
    await session.flush()
    return [ResourceRef(KEY, OWNER_TYPE, survey.id)]


async def _questionnaire(session: AsyncSession, owner: FormOwner, title: dict[str, str]) -> None:
    questionnaire = await definitions.put_questionnaire(session, owner, QuestionnaireWrite(title=title))
    editing = Editing(session, owner, questionnaire)
    made = [await structure.add_question(editing, QuestionCreate.model_validate(q)) for q in QUESTIONS]
    frequency = made[2]
    never = (await definitions.read(session, questionnaire)).pages[0].questions[2].options[-1]
    conditions = {
        "combine": "all",
        "rules": [{"question_id": frequency.id, "kind": "equals", "option_id": never.id}],
    }
    await structure.add_question(
        editing, QuestionCreate.model_validate({**WHY_NOT, "position": 3, "conditions": conditions})
    )


async def _answers(session: AsyncSession, owner: FormOwner, now: Any) -> int:
    questionnaire = await definitions.current_or_404(session, owner)
    form = await definitions.read(session, questionnaire)
    rng = random.Random(SEED)
    groups = [g for g, _ in GROUPS]
    weights = [w for _, w in GROUPS]
    for _ in range(ANSWERS):
        district, age_band = rng.choices(groups, weights=weights)[0]
        submission = random_submission(rng, form, now.date())
        answerer = Answerer(district=district, age_band=age_band)
        await service_submission.submit(session, questionnaire, submission, answerer)
    return ANSWERS
