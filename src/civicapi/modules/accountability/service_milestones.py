"""Milestones: the dated, multilingual entries of a result's public timeline."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.audit import diff, snapshot
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


def _record(
    session: AsyncSession, ctx: ComponentContext, milestone: Milestone, verb: str, changes: dict[str, Any]
) -> None:
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="milestone",
        id=milestone.id,
        verb=verb,
        changes=changes,
        public=ctx.public,
    )


async def create_milestone(
    session: AsyncSession, ctx: ComponentContext, result: Result, data: MilestoneCreate
) -> Milestone:
    _check_texts(ctx, data.title, data.description)
    repo = MilestoneRepository(session, ctx.commune_id)
    milestone = repo.add(
        Milestone(
            result_id=result.id,
            entry_date=data.entry_date,
            title=data.title,
            description=data.description or {},
        )
    )
    await repo.flush()
    _record(session, ctx, milestone, "create", trail.created(snapshot(milestone, trail.MILESTONE_FIELDS)))
    return milestone


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
    before = snapshot(milestone, trail.MILESTONE_FIELDS)
    for key, value in changes.items():
        setattr(milestone, key, {} if key == "description" and value is None else value)
    changed = diff(before, snapshot(milestone, trail.MILESTONE_FIELDS))
    if changed:
        await session.flush()
        _record(session, ctx, milestone, "update", changed)
    return milestone


async def delete_milestone(session: AsyncSession, ctx: ComponentContext, milestone: Milestone) -> None:
    _record(session, ctx, milestone, "delete", trail.deleted(snapshot(milestone, trail.MILESTONE_FIELDS)))
    await session.delete(milestone)
    await session.flush()
