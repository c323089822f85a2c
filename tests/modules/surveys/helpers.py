"""Builders for the surveys tests: a published process and a published surveys component through the HTTP
API, surveys with a questionnaire of every question type written straight into the tables, and database
probes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from civicapi.core.audit import AuditEntry
from civicapi.core.db.session import Database
from civicapi.forms.models import MODELS as FORMS_MODELS
from civicapi.modules.surveys.models import MODELS, PUBLISHED, Survey
from civicapi.spaces.models import Component
from tests.fixtures.factories import World
from tests.forms.helpers import Built, every_type_questionnaire
from tests.spaces.helpers import (
    DAY,
    assert_problem,
    brussels_today,
    create_component,
    create_phase,
    create_process,
)

__all__ = ["Built", "assert_problem"]


@dataclass
class Comp:
    commune: str
    process_id: str
    id: str

    @property
    def url(self) -> str:
        return f"/v1/communes/{self.commune}/surveys/components/{self.id}"

    @property
    def surveys(self) -> str:
        return f"{self.url}/surveys"

    def survey(self, survey_id: object) -> str:
        return f"{self.surveys}/{survey_id}"

    @property
    def component_url(self) -> str:
        return f"/v1/communes/{self.commune}/processes/{self.process_id}/components/{self.id}"


def who_admin(commune: str) -> str:
    return "admin" if commune == "alpha" else "beta_admin"


async def enable_surveys(client: httpx.AsyncClient, world: World, commune: str = "alpha") -> None:
    r = await client.put(
        f"/v1/communes/{commune}/modules/surveys", json={}, headers=world.headers(who_admin(commune))
    )
    assert r.status_code == 200, r.text


async def make_component(
    client: httpx.AsyncClient,
    world: World,
    *,
    commune: str = "alpha",
    process_id: str | None = None,
    slug: str = "consultations",
    publish: bool = True,
    settings: dict[str, Any] | None = None,
    step_settings: dict[str, Any] | None = None,
) -> Comp:
    """A surveys component (published, in a published process whose phase is active, unless ``publish``
    is false), with the given component settings and settings of that phase."""
    who = who_admin(commune)
    await enable_surveys(client, world, commune)
    phase_id: str | None = None
    if process_id is None:
        process = await create_process(client, world, slug, commune=commune, who=who, publish=publish)
        today = brussels_today()
        phase = await create_phase(
            client, world, process["id"], today - DAY, today + 30 * DAY, commune=commune, who=who
        )
        process_id, phase_id = process["id"], phase["id"]
    fields: dict[str, Any] = {"module_key": "surveys", "name": {"fr": "Enquêtes"}}
    if settings is not None:
        fields["settings"] = settings
    if step_settings is not None:
        assert phase_id is not None, "step settings need the phase this helper creates"
        fields["step_settings"] = {phase_id: step_settings}
    component = await create_component(
        client, world, process_id, commune=commune, who=who, publish=publish, **fields
    )
    return Comp(commune=commune, process_id=process_id, id=component["id"])


@dataclass
class SurveyBuilt:
    """A survey written by :func:`insert_survey` and its questionnaire's ids by a short name (see
    ``tests.forms.helpers.every_type_questionnaire``)."""

    id: uuid.UUID
    form: Built


async def insert_survey(db: Database, comp: Comp | str, **fields: Any) -> SurveyBuilt:
    """A published survey of the component (a ``Comp`` or a component id), open now, with a questionnaire
    of every question type, written straight into the tables: a factory for tests of other use cases
    than creating surveys (which go through HTTP). ``fields`` override the survey's defaults."""
    component_id = uuid.UUID(comp.id if isinstance(comp, Comp) else comp)
    async with db.unit_of_work() as session:
        component = await session.get(Component, component_id)
        assert component is not None
        commune_id = component.commune_id
        status = fields.get("status", PUBLISHED)
        values: dict[str, Any] = {
            "component_id": component.id,
            "commune_id": commune_id,
            "status": status,
            "title": {"fr": "Consultation sur le parc"},
            "description": {"fr": "Votre avis sur le réaménagement du parc."},
            "published_at": datetime.now(UTC) if status != "draft" else None,
            **fields,
        }
        survey = Survey(**values)
        session.add(survey)
        await session.flush()
        survey_id = survey.id
    form = await every_type_questionnaire(db, commune_id, owner=("surveys", "survey", survey_id))
    return SurveyBuilt(survey_id, form)


async def count_rows(db: Database) -> dict[str, int]:
    """Rows of every surveys and forms table, and of the audit trail (to prove a refused write wrote
    nothing)."""
    async with db.unit_of_work() as session:
        out = {
            model.__tablename__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (*MODELS, *FORMS_MODELS, AuditEntry)
        }
    return out


async def survey_row(db: Database, survey_id: uuid.UUID | str) -> Survey:
    async with db.unit_of_work() as session:
        survey = await session.get(Survey, uuid.UUID(str(survey_id)))
        assert survey is not None
        return survey
