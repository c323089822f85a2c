"""SQL of the surveys' results use case: the surveys of a component (the demo finds its own)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.modules.surveys.models import Survey


class ResultsSurveyRepository(CommuneScopedRepository[Survey]):
    model = Survey
    resource_name = "survey"

    async def ids_in_component(self, component_id: uuid.UUID) -> list[uuid.UUID]:
        stmt = (
            select(Survey.id)
            .where(Survey.commune_id == self.commune_id, Survey.component_id == component_id)
            .order_by(Survey.created_at, Survey.id)
        )
        return list((await self.session.execute(stmt)).scalars())
