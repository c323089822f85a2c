"""The surveys module's route table: who may call each write operation, how to make the resources in its
paths, valid-enough requests, and the resources the tenancy check asks for through another commune.

Each use case keeps its entries in its own block (``# --- <use case> ---``)."""

from __future__ import annotations

from typing import Any

import httpx

from civicapi.testing import (
    Authenticated,
    Ctx,
    People,
    Public,
    RouteTable,
    json_body,
    register,
    tenancy_component,
)
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

# --- answering ---

# Answering needs an account (or an answer token: then no account, see test_answering_tokens); the survey
# the factory makes takes no answers without an account (409 for the token), nor edits (409 for the PUT).
RULES["surveys_responses_create"] = Authenticated()
REQUESTS["surveys_responses_create"] = json_body({"answers": []})
RULES["surveys_responses_mine_replace"] = Authenticated()
REQUESTS["surveys_responses_mine_replace"] = json_body({"answers": []})
RULES["surveys_answer_tokens_create"] = Public()

# --- results ---

TABLE = register(
    RouteTable(key="surveys", rules=RULES, factories=FACTORIES, requests=REQUESTS, tenancy=TENANCY)
)
