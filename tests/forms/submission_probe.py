"""A test module mounting the forms capability's submission routes under its own resource ("things"), as a
survey or a meeting's registration form will, and bodies answering :func:`every_type_questionnaire`."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import select

from civicapi.config import Settings
from civicapi.core.db.session import Database
from civicapi.core.deps import SessionDep
from civicapi.core.errors import NotFound
from civicapi.forms.models import Questionnaire
from civicapi.forms.router_submission import submission_router
from civicapi.forms.service_submission import Answerer
from civicapi.identity.dependencies import CurrentUser
from civicapi.main import create_app
from civicapi.registry import CivicModule, load_modules
from tests.fixtures.factories import World, enable
from tests.forms.helpers import Built

KEY = "formprobe"


async def current_questionnaire(thing_id: uuid.UUID, session: SessionDep) -> Questionnaire:
    found = await session.scalar(
        select(Questionnaire)
        .where(Questionnaire.owner_module == KEY, Questionnaire.owner_id == thing_id)
        .order_by(Questionnaire.version.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound("no such thing")
    return found


async def may_answer(user: CurrentUser) -> Answerer:
    return Answerer(user_id=user.id, district="centre", age_band="30-44")


router = APIRouter()
router.include_router(
    submission_router(
        "/things/{thing_id}/form",
        questionnaire=current_questionnaire,
        may_answer=may_answer,
        operation_prefix="formprobe_thing",
    )
)
PROBE = CivicModule(key=KEY, title={"en": "Forms probe", "fr": "Sonde des formulaires"}, router=router)


@pytest.fixture
async def probe(settings: Settings, db: Database, world: World) -> Any:
    """A client of the app with the probe module, enabled in commune alpha."""
    app = create_app(settings, registry=load_modules(None, extra=[PROBE]), database=db)
    await enable(db, app, world.alpha, KEY)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def form_url(thing_id: uuid.UUID) -> str:
    return f"/v1/communes/alpha/{KEY}/things/{thing_id}/form"


def valid_answers(b: Built) -> dict[str, dict[str, Any]]:
    """A valid answer to every answerable question (the single choice is "sport": the conditional
    question stays hidden), by the question's short name."""
    o, r = b.options, b.rows

    def ids(value: uuid.UUID | None) -> str | None:
        return str(value) if value else None

    def choice(
        option: uuid.UUID, row: uuid.UUID | None = None, position: int | None = None
    ) -> dict[str, Any]:
        return {
            k: v for k, v in {"option_id": str(option), "row_id": ids(row), "position": position}.items() if v
        }

    return {
        "name": {"text": "Marie"},
        "ideas": {"text": "Plus d'arbres près de l'étang"},
        "use": {"choices": [choice(o["use"][1])]},
        "wishes": {"choices": [choice(o["wishes"][0]), choice(o["wishes"][2])]},
        "priorities": {
            "choices": [choice(o["priorities"][i], position=p) for i, p in ((0, 2), (1, 1), (2, 3))]
        },
        "rating": {
            "choices": [choice(o["rating"][1], r["rating"][0]), choice(o["rating"][0], r["rating"][1])]
        },
        "times": {
            "choices": [
                choice(o["times"][0], r["times"][0]),
                choice(o["times"][2], r["times"][0]),
                choice(o["times"][1], r["times"][1]),
            ]
        },
        "age": {"number": 42},
        "visit": {"date": "2026-05-01"},
    }


def body(b: Built, answers: dict[str, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "answers": [{"question_id": str(b.questions[name]), **value} for name, value in answers.items()],
        **extra,
    }
