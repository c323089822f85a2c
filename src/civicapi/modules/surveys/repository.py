"""SQL of the surveys shared by every use case: finding a survey of a component. Each use case keeps its
own statements in its own package's repository."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, true

from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.modules.surveys.models import DRAFT, Survey


def visible_clause(manages: bool) -> ColumnElement[bool]:
    """``common.reading.visible_to`` as SQL, for lists and the resource type: drafts for managers only."""
    return true() if manages else Survey.status != DRAFT


class SurveyRepository(CommuneScopedRepository[Survey]):
    model = Survey
    resource_name = "survey"

    async def in_component(self, component_id: uuid.UUID, survey_id: uuid.UUID) -> Survey | None:
        stmt = self.base_statement().where(Survey.component_id == component_id, Survey.id == survey_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()
