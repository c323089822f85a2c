"""SQL of managing surveys: a component's surveys a page at a time, the conditional UPDATEs that order
management against answers (see ``docs/modules/surveys.md``, "Closing and answering"), the register's
links emptied at close, and the surveys past their end (every commune: the periodic sweep)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, false, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.pagination import PageParams, keyset_page
from civicapi.modules.surveys.models import PUBLISHED, Participant, Survey
from civicapi.modules.surveys.repository import SurveyRepository, visible_clause
from civicapi.spaces.models import Component, ParticipatoryProcess

NO_SYNC = {"synchronize_session": False}


def open_now(now: datetime, answers_enabled: bool) -> ColumnElement[bool]:
    """Takes answers at ``now``: published, within its window, in a phase that allows answers."""
    if not answers_enabled:
        return false()
    return and_(
        Survey.status == PUBLISHED,
        or_(Survey.starts_at.is_(None), Survey.starts_at <= now),
        or_(Survey.ends_at.is_(None), Survey.ends_at > now),
    )


class ManagementRepository(SurveyRepository):
    async def page(
        self,
        component_id: uuid.UUID,
        params: PageParams,
        *,
        manages: bool,
        status: str | None,
        open_filter: ColumnElement[bool] | None,
    ) -> tuple[list[Survey], str | None]:
        """A page of the component's surveys (drafts only for managers), newest first by default."""
        stmt = self.base_statement().where(Survey.component_id == component_id)
        stmt = stmt.where(visible_clause(manages))
        if status is not None:
            stmt = stmt.where(Survey.status == status)
        if open_filter is not None:
            stmt = stmt.where(open_filter)
        return await keyset_page(
            self.session,
            stmt,
            params=params,
            sorts={"created_at": Survey.created_at},
            default_sort="-created_at",
            id_column=Survey.id,
        )

    async def _conditional(self, survey_id: uuid.UUID, where: ColumnElement[bool], **values: Any) -> bool:
        stmt = (
            update(Survey)
            .where(Survey.commune_id == self.commune_id, Survey.id == survey_id, where)
            .values(updated_at=utcnow(), **values)
            .execution_options(**NO_SYNC)
        )
        result: CursorResult[Any] = await self.session.execute(stmt)  # type: ignore[assignment]
        return result.rowcount == 1

    async def claim_unanswered(self, survey_id: uuid.UUID) -> bool:
        """Touch the survey if it has no counted answer, holding its row until the commit: an answer
        counted before answers False, one counted after waits (answering counts by a conditional UPDATE
        of the same row)."""
        return await self._conditional(survey_id, Survey.answers_count == 0)

    async def move(self, survey_id: uuid.UUID, from_status: str, to_status: str, **values: Any) -> bool:
        """``from_status`` -> ``to_status`` if the survey is still in ``from_status`` (a conditional
        UPDATE: it waits for an answer being written, and an answer after it finds the new status)."""
        return await self._conditional(survey_id, Survey.status == from_status, status=to_status, **values)

    async def unlink_participants(self, survey_id: uuid.UUID) -> None:
        """The register keeps who answered, no longer which response is theirs."""
        await self.session.execute(
            update(Participant)
            .where(
                Participant.commune_id == self.commune_id,
                Participant.survey_id == survey_id,
                Participant.response_id.is_not(None),
            )
            .values(response_id=None)
            .execution_options(**NO_SYNC)
        )

    async def delete_participants(self, survey_id: uuid.UUID) -> None:
        """The register of a draft (test answers only) is emptied when it is published."""
        await self.session.execute(
            delete(Participant).where(
                Participant.commune_id == self.commune_id, Participant.survey_id == survey_id
            ),
            execution_options=NO_SYNC,
        )


async def surveys_past_their_end(session: AsyncSession, now: datetime) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(commune, survey) of every published survey, in every commune, whose ``ends_at`` has passed: what
    the periodic sweep closes (deliberately unscoped)."""
    stmt = (
        select(Survey.commune_id, Survey.id)
        .where(Survey.status == PUBLISHED, Survey.ends_at.is_not(None), Survey.ends_at <= now)
        .order_by(Survey.ends_at, Survey.id)
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def component_is_public(session: AsyncSession, component_id: uuid.UUID) -> bool:
    """The component and its process are published (``kit.ComponentContext.public``, without a context)."""
    stmt = (
        select(Component.id)
        .join(ParticipatoryProcess, ParticipatoryProcess.id == Component.process_id)
        .where(
            Component.id == component_id,
            Component.published_at.is_not(None),
            ParticipatoryProcess.published_at.is_not(None),
        )
    )
    return (await session.execute(stmt)).first() is not None
