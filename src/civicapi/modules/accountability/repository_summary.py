"""SQL of the component summary: a fixed number of aggregate queries, whatever the size of the tree."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.modules.accountability.models import Result


@dataclass(frozen=True, slots=True)
class StatusRow:
    status_id: uuid.UUID | None
    count: int
    top_level_count: int


@dataclass(frozen=True, slots=True)
class DistrictRow:
    district: str | None
    count: int
    weighted_sum: float
    weight_total: float
    plain_sum: float
    planned_amount: int
    spent_amount: int


class SummaryRepository:
    def __init__(self, session: AsyncSession, commune_id: uuid.UUID) -> None:
        self.session = session
        self.commune_id = commune_id

    async def by_status(self, component_id: uuid.UUID) -> list[StatusRow]:
        top = case((Result.parent_id.is_(None), 1), else_=0)
        stmt = (
            select(Result.status_id, func.count(), func.coalesce(func.sum(top), 0))
            .where(Result.commune_id == self.commune_id, Result.component_id == component_id)
            .group_by(Result.status_id)
        )
        return [StatusRow(r[0], int(r[1]), int(r[2])) for r in (await self.session.execute(stmt)).all()]

    async def top_level_by_district(self, component_id: uuid.UUID) -> list[DistrictRow]:
        weight = func.coalesce(Result.weight, 1.0)
        stmt = (
            select(
                Result.district,
                func.count(),
                func.coalesce(func.sum(weight * Result.progress), 0.0),
                func.coalesce(func.sum(weight), 0.0),
                func.coalesce(func.sum(Result.progress), 0.0),
                func.coalesce(func.sum(Result.planned_amount), 0),
                func.coalesce(func.sum(Result.spent_amount), 0),
            )
            .where(
                Result.commune_id == self.commune_id,
                Result.component_id == component_id,
                Result.parent_id.is_(None),
            )
            .group_by(Result.district)
        )
        return [
            DistrictRow(
                r[0], int(r[1]), float(r[2]), float(r[3]), float(r[4]), int(r[5] or 0), int(r[6] or 0)
            )
            for r in (await self.session.execute(stmt)).all()
        ]
