"""The event outbox for platform administrators: events some subscriber has not taken yet (a module, or
the mailer, failed), with their last error, and retrying one now (``core/event_store.py``). Payloads are
not shown: they may carry personal data (a mail's address and body)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from civicapi.core import event_store as store
from civicapi.core.db.base import utcnow
from civicapi.core.deps import SessionDep
from civicapi.core.errors import NotFound, problem_responses
from civicapi.core.pagination import Page, PageParams, keyset_page, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.identity.dependencies import PlatformAdmin

router = GuardedRouter(tags=["operations"])

EXAMPLE: dict[str, Any] = {
    "id": "0b9d2c1e-7f43-4c52-9d7e-3f1a2b4c5d6e",
    "name": "budgets.results_published",
    "commune_id": "5f0c6a4e-2b1d-4e8f-9a7b-1c2d3e4f5a6b",
    "source_module": "budgets",
    "occurred_at": "2026-06-30T18:02:11Z",
    "due_at": "2026-06-30T18:34:11Z",
    "attempts": 3,
    "last_error": "accountability:civicapi.modules.accountability.handlers.on_results_published: "
    "OperationalError: the database went away",
    "set_aside_at": None,
}


class OutboxEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"example": EXAMPLE})

    id: uuid.UUID
    name: str
    commune_id: uuid.UUID | None = Field(description="None: a platform event (mail).")
    source_module: str | None
    occurred_at: datetime
    due_at: datetime = Field(description="When a worker's sweep delivers it next (if not set aside).")
    attempts: int = Field(description="Failed deliveries so far.")
    last_error: str | None = Field(description="`<subscriber>: <exception>` of the last failure.")
    set_aside_at: datetime | None = Field(
        validation_alias="abandoned_at",
        description=f"Set aside after {store.MAX_ATTEMPTS} failed deliveries: no sweep retries it any more.",
    )


@router.get(
    "/v1/platform/events",
    operation_id="platform_events_list",
    summary="Events not yet taken by every subscriber, oldest first (platform administrators)",
    responses=problem_responses(401, 403, 422),
)
async def list_events(
    request: Request,
    response: Response,
    _admin: PlatformAdmin,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("occurred_at", default="occurred_at"))],
    state: Annotated[
        Literal["waiting", "set_aside"] | None,
        Query(description="`waiting` (a sweep will retry them) or `set_aside` (it will not); default both."),
    ] = None,
    name: Annotated[str | None, Query(max_length=120, description="One event name.")] = None,
) -> Page[OutboxEventRead]:
    stmt = store.listing(set_aside=None if state is None else state == "set_aside", name=name)
    rows, cursor = await keyset_page(
        session,
        stmt,
        params=page,
        sorts={"occurred_at": store.EventRecord.occurred_at},
        default_sort="occurred_at",
        id_column=store.EventRecord.id,
    )
    set_link_header(request, response, cursor)
    return Page(items=[OutboxEventRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.post(
    "/v1/platform/events/{event_id}/retry",
    operation_id="platform_events_retry",
    summary="Deliver an event again at the next sweep, its attempts counted afresh (platform administrators)",
    responses=problem_responses(401, 403, 404),
)
async def retry_event(
    _admin: PlatformAdmin,
    session: SessionDep,
    event_id: Annotated[uuid.UUID, Path(description="The event's id.")],
) -> OutboxEventRead:
    record = await store.retry_now(session, event_id, now=utcnow())
    if record is None:
        raise NotFound(
            "no such event waits for delivery (it may have been delivered)", reason="event_not_found"
        )
    return OutboxEventRead.model_validate(record)
