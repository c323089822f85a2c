"""Results use cases: create, edit (fields, status, progress, parent), delete. Services flush, never commit;
each change records its audit entry and publishes its events in the same unit of work, and rolls the
progress up the tree (``rollup.py``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.audit import diff
from civicapi.core.errors import InvalidInput, NotFound
from civicapi.core.i18n import check_locales
from civicapi.modules.accountability import audit_helpers as trail
from civicapi.modules.accountability import places
from civicapi.modules.accountability import service_events as events
from civicapi.modules.accountability.exceptions import AccountabilityConflict
from civicapi.modules.accountability.models import Result, Status
from civicapi.modules.accountability.repository import ResultRepository, StatusRepository
from civicapi.modules.accountability.rollup import check_parent, roll_up
from civicapi.modules.accountability.schemas import ResultCreate, ResultUpdate
from civicapi.modules.accountability.settings import ComponentContext

REQUIRED = {"title", "progress", "position"}
"""Fields a PATCH may not set to null."""


def _invalid(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"{field}: {message}",
        reason=code,
        errors=[{"location": ["body", field], "message": message, "code": code}],
    )


async def get_result(session: AsyncSession, ctx: ComponentContext, result_id: uuid.UUID) -> Result:
    result = await ResultRepository(session, ctx.commune_id).in_component(ctx.component_id, result_id)
    if result is None:
        raise NotFound(f"result {result_id} not found")
    return result


async def status_by_key(session: AsyncSession, ctx: ComponentContext, key: str | None) -> Status | None:
    """The component's status ``key`` (422 when it has none such); ``None`` for ``None``."""
    if key is None:
        return None
    status = await StatusRepository(session, ctx.commune_id).by_key(ctx.component_id, key)
    if status is None:
        raise _invalid("status", "unknown_status", f"the component has no status {key!r}")
    return status


def values(result: Result, status: Status | None) -> dict[str, Any]:
    """The audited fields of a result, its status by key."""
    out = {f: getattr(result, f) for f in trail.RESULT_FIELDS if f != "status"}
    out["status"] = status.key if status else None
    return out


def check_texts(ctx: ComponentContext, data: Mapping[str, Any]) -> None:
    for field in ("title", "description"):
        check_locales(data.get(field), ctx.commune.locales, field=field)


async def _check_external_id(
    session: AsyncSession, ctx: ComponentContext, external_id: str | None, result_id: uuid.UUID | None
) -> None:
    if external_id is None:
        return
    found = await ResultRepository(session, ctx.commune_id).by_external_id(ctx.component_id, external_id)
    if found is not None and found.id != result_id:
        raise AccountabilityConflict(
            f"another result of the component has the external id {external_id!r}",
            reason="external_id_taken",
            result_id=str(found.id),
        )


async def create_result(
    session: AsyncSession,
    ctx: ComponentContext,
    data: ResultCreate,
    *,
    source_project_id: uuid.UUID | None = None,
    verb: str = "create",
) -> Result:
    check_texts(ctx, data.model_dump())
    status = await status_by_key(session, ctx, data.status)
    if data.parent_id is not None:
        await check_parent(session, ctx, None, data.parent_id)
    await _check_external_id(session, ctx, data.external_id, None)
    progress = data.progress
    if progress is None:
        progress = status.progress if status is not None and status.progress is not None else 0.0
    fields = data.model_dump(exclude={"status", "progress", "description"})
    result = Result(
        **fields,
        component_id=ctx.component_id,
        description=data.description or {},
        status_id=status.id if status else None,
        progress=progress,
        source_project_id=source_project_id,
    )
    repo = ResultRepository(session, ctx.commune_id)
    repo.add(result)
    await repo.flush()
    await places.sync(session, [result], adopt_district=data.district is None)
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="result",
        id=result.id,
        verb=verb,
        changes=trail.created(values(result, status)),
        public=ctx.public,
    )
    await roll_up(session, ctx, result.parent_id)
    return result


def _check_coherence(result: Result, changes: Mapping[str, Any]) -> None:
    start = changes.get("start_date", result.start_date)
    end = changes.get("end_date", result.end_date)
    if start is not None and end is not None and end < start:
        raise _invalid("end_date", "dates_order", "end_date must not be before start_date")
    lat = changes.get("latitude", result.latitude)
    lon = changes.get("longitude", result.longitude)
    if (lat is None) != (lon is None):
        raise _invalid("latitude", "coordinates_pair", "give both latitude and longitude, or neither")


async def update_result(
    session: AsyncSession,
    ctx: ComponentContext,
    result: Result,
    data: ResultUpdate,
    *,
    cause: str = "update",
) -> Result:
    """Apply the fields sent. Choosing a status with a progress sets the progress too (unless the body
    sets it, or the result has children: its progress is then theirs)."""
    changes = data.model_dump(exclude_unset=True)
    for field in REQUIRED & set(changes):
        if changes[field] is None:
            raise _invalid(field, "null_not_allowed", "this field cannot be null")
    check_texts(ctx, changes)
    _check_coherence(result, changes)
    repo = ResultRepository(session, ctx.commune_id)
    statuses = StatusRepository(session, ctx.commune_id)
    old_status = await statuses.get(result.status_id) if result.status_id else None
    new_status = old_status
    if "status" in changes:
        new_status = await status_by_key(session, ctx, changes.pop("status"))
    has_children = await repo.has_children(result.id)
    if "progress" in changes and has_children:
        raise AccountabilityConflict(
            "this result has children: its progress is the weighted mean of theirs",
            reason="progress_rolled_up",
        )
    old_parent = result.parent_id
    if "parent_id" in changes and changes["parent_id"] != old_parent and changes["parent_id"] is not None:
        await check_parent(session, ctx, result.id, changes["parent_id"])
    if "external_id" in changes:
        await _check_external_id(session, ctx, changes["external_id"], result.id)
    status_changed = (new_status.id if new_status else None) != result.status_id
    if (
        status_changed
        and "progress" not in changes
        and not has_children
        and new_status is not None
        and new_status.progress is not None
    ):
        changes["progress"] = new_status.progress
        cause = "status" if cause == "update" else cause
    before = values(result, old_status)
    for key, value in changes.items():
        if key == "description":
            value = value or {}
        setattr(result, key, value)
    result.status_id = new_status.id if new_status else None
    after = values(result, new_status)
    changed = diff(before, after)
    if not changed:
        return result
    await session.flush()
    moved = "latitude" in changes or "longitude" in changes
    await places.sync(session, [result], adopt_district=moved and "district" not in changes)
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="result",
        id=result.id,
        verb="update",
        changes=changed,
        public=ctx.public,
    )
    if "status" in changed:
        events.status_changed(session, ctx, result, previous=old_status, current=new_status)
    if "progress" in changed:
        events.progress_changed(session, ctx, result, previous=before["progress"], cause=cause)
    if "parent_id" in changed:
        await roll_up(session, ctx, old_parent)
        await roll_up(session, ctx, result.parent_id)
    elif "progress" in changed or "weight" in changed:
        await roll_up(session, ctx, result.parent_id)
    return result


async def delete_result(session: AsyncSession, ctx: ComponentContext, result: Result) -> None:
    repo = ResultRepository(session, ctx.commune_id)
    if await repo.has_children(result.id):
        raise AccountabilityConflict("delete or move this result's children first", reason="has_children")
    status = (
        await StatusRepository(session, ctx.commune_id).get(result.status_id) if result.status_id else None
    )
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="result",
        id=result.id,
        verb="delete",
        changes=trail.deleted(values(result, status)),
        public=ctx.public,
    )
    parent_id = result.parent_id
    await places.remove(session, result)
    await repo.unlink(result.id)
    await repo.delete(result)
    await repo.flush()
    await roll_up(session, ctx, parent_id)
