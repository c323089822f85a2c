"""Statuses of a component: key, multilingual name and description, default progress."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.errors import InvalidInput, NotFound
from civicapi.core.i18n import check_locales
from civicapi.modules.accountability import audit_helpers as trail
from civicapi.modules.accountability.exceptions import AccountabilityConflict
from civicapi.modules.accountability.models import Status
from civicapi.modules.accountability.repository import StatusRepository
from civicapi.modules.accountability.schemas import StatusCreate, StatusUpdate
from civicapi.modules.accountability.settings import ComponentContext

REQUIRED = {"key", "name", "position"}


async def list_statuses(session: AsyncSession, ctx: ComponentContext) -> list[Status]:
    return await StatusRepository(session, ctx.commune_id).all_of_component(ctx.component_id)


async def get_status(session: AsyncSession, ctx: ComponentContext, status_id: uuid.UUID) -> Status:
    status = await StatusRepository(session, ctx.commune_id).in_component(ctx.component_id, status_id)
    if status is None:
        raise NotFound(f"status {status_id} not found")
    return status


async def _check_key(
    session: AsyncSession, ctx: ComponentContext, key: str, exclude: uuid.UUID | None
) -> None:
    found = await StatusRepository(session, ctx.commune_id).by_key(ctx.component_id, key)
    if found is not None and found.id != exclude:
        raise AccountabilityConflict(f"the component already has a status {key!r}", reason="key_taken")


def _check_texts(
    ctx: ComponentContext, name: dict[str, str] | None, description: dict[str, str] | None
) -> None:
    check_locales(name, ctx.commune.locales, field="name")
    check_locales(description, ctx.commune.locales, field="description")


async def create_status(session: AsyncSession, ctx: ComponentContext, data: StatusCreate) -> Status:
    _check_texts(ctx, data.name, data.description)
    await _check_key(session, ctx, data.key, None)
    row = Status(
        component_id=ctx.component_id,
        key=data.key,
        name=data.name,
        description=data.description or {},
        progress=data.progress,
        position=data.position,
    )
    return await trail.STATUSES.add(session, ctx, StatusRepository(session, ctx.commune_id), row)


async def update_status(
    session: AsyncSession, ctx: ComponentContext, status: Status, data: StatusUpdate
) -> Status:
    """Changing a status's progress does not change the results that already have it."""
    changes = data.model_dump(exclude_unset=True)
    for field in REQUIRED & set(changes):
        if changes[field] is None:
            raise InvalidInput(
                f"{field} cannot be null",
                errors=[
                    {"location": ["body", field], "message": "cannot be null", "code": "null_not_allowed"}
                ],
            )
    _check_texts(ctx, changes.get("name"), changes.get("description"))
    if "key" in changes:
        await _check_key(session, ctx, changes["key"], status.id)
    values = {k: ({} if k == "description" and v is None else v) for k, v in changes.items()}
    await trail.STATUSES.change(session, ctx, status, values)
    return status


async def delete_status(session: AsyncSession, ctx: ComponentContext, status: Status) -> None:
    repo = StatusRepository(session, ctx.commune_id)
    if await repo.in_use(status.id):
        raise AccountabilityConflict(
            "results have this status; give them another first", reason="status_in_use"
        )
    await trail.STATUSES.remove(session, ctx, repo, status)
