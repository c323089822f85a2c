"""Events this module publishes (``contract.py``), recorded on the unit of work: they leave after the
commit, and never when it rolls back."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.events import Event, EventBus
from civicapi.modules.accountability import contract
from civicapi.modules.accountability.models import Result, Status
from civicapi.modules.accountability.settings import ComponentContext

MODULE = "accountability"


def _common(ctx: ComponentContext, result: Result) -> dict[str, Any]:
    return {
        "version": contract.PAYLOAD_VERSION,
        "result_id": str(result.id),
        "component_id": str(ctx.component_id),
        "process_id": str(ctx.process.id),
        "parent_id": str(result.parent_id) if result.parent_id else None,
        "reference": result.reference,
        "external_id": result.external_id,
        "title": dict(result.title),
    }


def _publish(session: AsyncSession, ctx: ComponentContext, name: str, payload: dict[str, Any]) -> None:
    EventBus.publish(session, Event(name, ctx.commune_id, payload, source_module=MODULE))


def progress_changed(
    session: AsyncSession, ctx: ComponentContext, result: Result, *, previous: float, cause: str
) -> None:
    payload: contract.ProgressChangedPayload = {
        **_common(ctx, result),  # type: ignore[typeddict-item]
        "previous_progress": previous,
        "progress": result.progress,
        "cause": cause,
    }
    _publish(session, ctx, contract.PROGRESS_CHANGED, dict(payload))


def status_changed(
    session: AsyncSession,
    ctx: ComponentContext,
    result: Result,
    *,
    previous: Status | None,
    current: Status | None,
) -> None:
    payload: contract.StatusChangedPayload = {
        **_common(ctx, result),  # type: ignore[typeddict-item]
        "previous_status": previous.key if previous else None,
        "status": current.key if current else None,
        "status_name": dict(current.name) if current else None,
    }
    _publish(session, ctx, contract.STATUS_CHANGED, dict(payload))
