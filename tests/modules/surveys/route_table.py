"""The surveys module's route table: who may call each write operation, how to make the resources in its
paths, valid-enough requests, and the resources the tenancy check asks for through another commune.

Each use case keeps its entries in its own block (``# --- <use case> ---``)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from civicapi.forms.models import SHORT_ANSWER, Answer, Question, Questionnaire, Response
from civicapi.modules.surveys import permissions
from civicapi.testing import (
    Authenticated,
    Ctx,
    People,
    Perm,
    Public,
    RouteTable,
    json_body,
    register,
    tenancy_component,
)
from tests.forms.route_factories import OWNERS, PART, QUESTION, FormOwnerPath
from tests.modules.surveys.helpers import insert_survey


def _db(world: Any) -> Any:
    return world.app.state.db


async def _survey(ctx: Ctx) -> str:
    """A published survey of the kit's surveys component, open, with a questionnaire of every type."""
    return str((await insert_survey(_db(ctx.world), ctx.ids["component_id"])).id)


async def _tenancy_survey(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    """A published survey of a surveys component of alpha's process (the module enabled in both communes)."""
    component = await tenancy_component(client, world, ids, "surveys", name={"fr": "Enquêtes"})
    ids["surveys_component"] = f"/v1/communes/alpha/surveys/components/{component}"
    return str((await insert_survey(_db(world), component)).id)


SURVEYS_FORBIDDEN = "surveys-action-forbidden"
"""The module's 403 for checks that are not role permissions (``reason``: ``requirements_not_met``...)."""

RULES: dict[str, Any] = {}
FACTORIES: dict[str, Any] = {"survey_id": ((), _survey)}
REQUESTS: dict[str, Any] = {}
TENANCY: dict[str, Any] = {"survey_id": _tenancy_survey}

# --- management ---
# The path's survey is published and open, without answers: holders of surveys.manage act on it (publishing
# it is then a 409 `not_a_draft`, reopening a 409 `not_closed`).
MANAGE = Perm(permissions.MANAGE)
RULES.update(
    {f"surveys_{verb}": MANAGE for verb in ("create", "update", "delete", "publish", "close", "reopen")}
)
REQUESTS.update(
    {
        "surveys_create": json_body({"title": {"fr": "Consultation sur la mobilité"}}),
        "surveys_update": json_body({"title": {"fr": "Consultation sur le parc communal"}}),
    }
)
_NO_ITEM = "00000000-0000-4000-8000-000000000000"
# The questionnaire editor: its path parameters' factories are shared (tests/forms/route_factories.py); the
# tenancy check reuses the question of another module's form (through beta, the survey is already unknown).
OWNERS["surveys"] = FormOwnerPath(
    "survey_id",
    _survey,
    lambda ids: f"/surveys/components/{ids['component_id']}/surveys/{ids['survey_id']}/form",
)

_FORM_WRITES = [
    "put",
    "new_version",
    *(
        f"{part}_{verb}"
        for part in ("questions", "options", "rows")
        for verb in ("create", "update", "delete", "order")
    ),
]
RULES.update({f"surveys_survey_form_{op}": MANAGE for op in _FORM_WRITES})
FACTORIES["question_id"] = QUESTION
FACTORIES["part_id"] = PART
REQUESTS.update(
    {
        "surveys_survey_form_put": json_body({"title": {"fr": "Questionnaire"}}),
        "surveys_survey_form_questions_create": json_body(
            {"question_type": "short_answer", "body": {"fr": "Votre quartier ?"}}
        ),
        "surveys_survey_form_questions_update": json_body({"mandatory": True}),
        "surveys_survey_form_questions_order": lambda ctx: {
            "json": {"ids": [ctx.ids.get("question_id", _NO_ITEM)]}
        },
        "surveys_survey_form_options_create": json_body({"body": {"fr": "En train"}}),
        "surveys_survey_form_options_update": json_body({"body": {"fr": "En tram"}}),
        "surveys_survey_form_options_order": lambda ctx: {
            "json": {"ids": [ctx.ids.get("part_id", _NO_ITEM)]}
        },
        "surveys_survey_form_rows_create": json_body({"body": {"fr": "Retour"}}),
        "surveys_survey_form_rows_update": json_body({"body": {"fr": "Aller simple"}}),
        "surveys_survey_form_rows_order": lambda ctx: {"json": {"ids": [_NO_ITEM]}},
    }
)

# --- answering ---

# Answering needs an account (or an answer token: then no account, see test_answering_tokens); the survey
# the factory makes takes no answers without an account (409 for the token), nor edits (409 for the PUT).
RULES["surveys_responses_create"] = Authenticated()
REQUESTS["surveys_responses_create"] = json_body({"answers": []})
RULES["surveys_responses_mine_replace"] = Authenticated()
REQUESTS["surveys_responses_mine_replace"] = json_body({"answers": []})
RULES["surveys_answer_tokens_create"] = Public()

# --- results ---
# Moderating a written answer and publishing the results need ``surveys.manage``; the answer of the path is
# a written answer of the path's survey, written straight to the tables.


async def _text_answer(world: Any, survey_id: str) -> str:
    async with _db(world).unit_of_work() as session:
        questionnaire = (
            await session.execute(
                select(Questionnaire).where(
                    Questionnaire.owner_module == "surveys", Questionnaire.owner_id == uuid.UUID(survey_id)
                )
            )
        ).scalar_one()
        question = (
            await session.execute(
                select(Question).where(
                    Question.questionnaire_id == questionnaire.id, Question.question_type == SHORT_ANSWER
                )
            )
        ).scalar_one()
        response = Response(commune_id=questionnaire.commune_id, questionnaire_id=questionnaire.id)
        session.add(response)
        await session.flush()
        answer = Answer(
            commune_id=questionnaire.commune_id,
            response_id=response.id,
            question_id=question.id,
            text="Hello",
        )
        session.add(answer)
        await session.flush()
        return str(answer.id)


async def _answer(ctx: Ctx) -> str:
    return await _text_answer(ctx.world, ctx.ids["survey_id"])


async def _tenancy_answer(client: httpx.AsyncClient, world: People, ids: dict[str, str]) -> str:
    return await _text_answer(world, ids["survey_id"])


RULES.update(
    {
        "surveys_survey_results_answer_moderate": Perm(permissions.MANAGE),
        "surveys_survey_results_publication_put": Perm(permissions.MANAGE),
    }
)
FACTORIES["answer_id"] = (("survey_id",), _answer)
REQUESTS.update(
    {
        "surveys_survey_results_answer_moderate": json_body({"hidden": True}),
        "surveys_survey_results_publication_put": json_body({"published": True}),
    }
)
TENANCY["answer_id"] = _tenancy_answer

TABLE = register(
    RouteTable(
        key="surveys",
        rules=RULES,
        factories=FACTORIES,
        requests=REQUESTS,
        tenancy=TENANCY,
        resource_types={"survey": "survey_id"},
    )
)
