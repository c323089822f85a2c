"""Role-matrix factories of the forms capability's path parameters (``question_id``, ``part_id``), shared by
every module that mounts a questionnaire editor (``forms.router_factory.definition_router``): path
parameters are one namespace across route tables, so each module registers here where its questionnaire
is (:data:`OWNERS`, by module key) and its route table uses :data:`QUESTION` and :data:`PART` as they are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from civicapi.testing import Ctx, Factory

FORM_QUESTION = {
    "question_type": "matrix_single",
    "body": {"fr": "Comment venez-vous ?"},
    "options": [{"body": {"fr": "À pied"}}, {"body": {"fr": "À vélo"}}],
    "rows": [{"body": {"fr": "Aller"}}],
}


@dataclass(frozen=True)
class FormOwnerPath:
    """Where a module's questionnaire is: the path parameter of its owner, the factory making one, and
    the questionnaire's path (under ``/v1/communes/alpha``) from the ids made."""

    param: str
    make: Factory
    form: Callable[[dict[str, str]], str]


OWNERS: dict[str, FormOwnerPath] = {}


def questions(form: dict[str, Any]) -> list[dict[str, Any]]:
    """The questions of a questionnaire read (every write answers the whole questionnaire)."""
    return [q for page in form["pages"] for q in page["questions"]]


async def _form(ctx: Ctx) -> str:
    owner = OWNERS[ctx.module]
    if owner.param not in ctx.ids:
        ctx.ids[owner.param] = await owner.make(ctx)
    return owner.form(ctx.ids)


async def _form_question(ctx: Ctx) -> str:
    """A matrix question (options and rows) of the owner's questionnaire (created if it has none)."""
    form = await _form(ctx)
    r = await ctx.client.put(
        "/v1/communes/alpha" + form, json={"title": {"fr": "Questionnaire"}}, headers=ctx.headers("admin")
    )
    assert r.status_code in (200, 201), r.text
    before = {q["id"] for q in questions(r.json())}
    after = questions(await ctx.call("POST", form + "/questions", FORM_QUESTION, ok=201))
    return str(next(q["id"] for q in after if q["id"] not in before))


async def _form_option(ctx: Ctx) -> str:
    url = await _form(ctx) + f"/questions/{ctx.ids['question_id']}/options"
    form = await ctx.call("POST", url, {"body": {"fr": "En bus"}}, ok=201)
    question = next(q for q in questions(form) if q["id"] == ctx.ids["question_id"])
    return str(question["options"][-1]["id"])


QUESTION: tuple[tuple[str, ...], Factory] = ((), _form_question)
PART: tuple[tuple[str, ...], Factory] = (("question_id",), _form_option)
