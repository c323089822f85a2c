"""Milestones: the dated, multilingual entries of a result's public timeline."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.errors import InvalidInput, NotFound
from civicapi.core.i18n import check_locales
from civicapi.core.pagination import PageParams
from civicapi.modules.accountability import audit_helpers as trail
from civicapi.modules.accountability.models import Milestone, Result
from civicapi.modules.accountability.repository import MilestoneRepository
from civicapi.modules.accountability.schemas import MilestoneCreate, MilestoneUpdate
from civicapi.modules.accountability.settings import ComponentContext

REQUIRED = {"entry_date", "title"}


async def list_milestones(
    session: AsyncSession, ctx: ComponentContext, result: Result, params: PageParams
) -> tuple[list[Milestone], str | None]:
    return await MilestoneRepository(session, ctx.commune_id).page(result.id, params)


async def get_milestone(
    session: AsyncSession, ctx: ComponentContext, result: Result, milestone_id: uuid.UUID
) -> Milestone:
    milestone = await MilestoneRepository(session, ctx.commune_id).in_result(result.id, milestone_id)
    if milestone is None:
        raise NotFound(f"milestone {milestone_id} not found")
    return milestone


def _check_texts(
    ctx: ComponentContext, title: dict[str, str] | None, description: dict[str, str] | None
) -> None:
    check_locales(title, ctx.commune.locales, field="title")
    check_locales(description, ctx.commune.locales, field="description")


async def create_milestone(
    session: AsyncSession, ctx: ComponentContext, result: Result, data: MilestoneCreate
) -> Milestone:
    _check_texts(ctx, data.title, data.description)
    row = Milestone(
        result_id=result.id, entry_date=data.entry_date, title=data.title, description=data.description or {}
    )
    return await trail.MILESTONES.add(session, ctx, MilestoneRepository(session, ctx.commune_id), row)


async def update_milestone(
    session: AsyncSession, ctx: ComponentContext, milestone: Milestone, data: MilestoneUpdate
) -> Milestone:
    changes = data.model_dump(exclude_unset=True)
    for field in REQUIRED & set(changes):
        if changes[field] is None:
            raise InvalidInput(
                f"{field} cannot be null",
                errors=[
                    {"location": ["body", field], "message": "cannot be null", "code": "null_not_allowed"}
                ],
            )
    _check_texts(ctx, changes.get("title"), changes.get("description"))
    values = {k: ({} if k == "description" and v is None else v) for k, v in changes.items()}
    await trail.MILESTONES.change(session, ctx, milestone, values)
    return milestone


async def delete_milestone(session: AsyncSession, ctx: ComponentContext, milestone: Milestone) -> None:
    await trail.MILESTONES.remove(session, ctx, MilestoneRepository(session, ctx.commune_id), milestone)
