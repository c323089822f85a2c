"""A meeting's agenda: items and their sub-items (two levels, a third refused), ordered by ``position``,
their durations fitting: the top-level items within the meeting's length, an item's sub-items within the
item's duration. Edited by whoever edits the meeting; read by whoever sees the meeting's details.

Concurrent edits of one agenda are serialised by locking the meeting's row first, so that two additions
cannot together overrun the meeting."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import audit
from civicapi.core.errors import NotFound
from civicapi.core.pagination import PageParams, keyset_page
from civicapi.modules.agenda.common.reading import Viewer, sees_details
from civicapi.modules.agenda.exceptions import AgendaInvalid
from civicapi.modules.agenda.meetings import rules
from civicapi.modules.agenda.meetings.repository import AgendaItemRepository
from civicapi.modules.agenda.meetings.schemas import (
    AgendaChildRead,
    AgendaItemCreate,
    AgendaItemRead,
    AgendaItemUpdate,
    AgendaReorder,
)
from civicapi.modules.agenda.meetings.service import record
from civicapi.modules.agenda.models import AgendaItem, Meeting
from civicapi.modules.agenda.settings import ComponentContext

ITEM_FIELDS = ("parent_id", "position", "title", "description", "duration_minutes")


def _child(item: AgendaItem) -> AgendaChildRead:
    return AgendaChildRead(
        id=item.id,
        position=item.position,
        title=item.title,
        description=item.description,
        duration_minutes=item.duration_minutes,
    )


def present_item(item: AgendaItem, children: list[AgendaItem]) -> AgendaItemRead:
    return AgendaItemRead(
        **_child(item).model_dump(), parent_id=item.parent_id, children=[_child(c) for c in children]
    )


async def list_agenda(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, params: PageParams, *, viewer: Viewer
) -> tuple[list[AgendaItemRead], str | None]:
    """A page of top-level items, each with its sub-items: two statements whatever the page's size."""
    if not await sees_details(session, ctx, meeting, viewer):
        raise NotFound("the agenda of this meeting is shown to its guests only")
    repo = AgendaItemRepository(session, ctx.commune_id)
    items, cursor = await keyset_page(
        session,
        repo.top_level(meeting.id),
        params=params,
        sorts={"position": AgendaItem.position},
        default_sort="position",
        id_column=AgendaItem.id,
    )
    children = await repo.children_of([i.id for i in items])
    return [present_item(i, children[i.id]) for i in items], cursor


def _invalid(field: str, message: str, code: str) -> NoReturn:
    raise AgendaInvalid(
        message, reason=code, errors=[{"location": ["body", field], "message": message, "code": code}]
    )


async def _editable(session: AsyncSession, ctx: ComponentContext, meeting: Meeting, viewer: Viewer) -> None:
    rules.require_editor(meeting, viewer)
    rules.require_changeable(meeting)
    await AgendaItemRepository(session, ctx.commune_id).lock_meeting(meeting)


async def _limit(
    repo: AgendaItemRepository, meeting: Meeting, parent_id: uuid.UUID | None
) -> tuple[int, AgendaItem | None]:
    """How long the items of a level may last together (and the parent item of a sub-level)."""
    if parent_id is None:
        return rules.minutes_of(meeting), None
    parent = await repo.in_meeting(meeting.id, parent_id)
    if parent is None:
        _invalid("parent_id", "no such item in this meeting's agenda", "unknown_parent")
    if parent.parent_id is not None:
        _invalid("parent_id", "agenda items nest two levels: an item and its sub-items", "too_deep")
    return parent.duration_minutes, parent


def _check_fits(planned: int, limit: int, parent: AgendaItem | None) -> None:
    if planned <= limit:
        return
    if parent is None:
        _invalid(
            "duration_minutes",
            f"the agenda would last {planned} of the meeting's {limit} minutes",
            "agenda_too_long",
        )
    _invalid(
        "duration_minutes",
        f"the sub-items would last {planned} of the item's {limit} minutes",
        "sub_items_too_long",
    )


async def create_item(
    session: AsyncSession,
    ctx: ComponentContext,
    meeting: Meeting,
    data: AgendaItemCreate,
    *,
    viewer: Viewer,
) -> AgendaItemRead:
    await _editable(session, ctx, meeting, viewer)
    errors: list[dict[str, Any]] = []
    for field in ("title", "description"):
        errors += rules.locale_errors(ctx, field, getattr(data, field))
    rules.raise_invalid(errors)
    repo = AgendaItemRepository(session, ctx.commune_id)
    limit, _parent = await _limit(repo, meeting, data.parent_id)
    planned = await repo.total_minutes(meeting.id, data.parent_id) + data.duration_minutes
    _check_fits(planned, limit, _parent)
    end = await repo.next_position(meeting.id, data.parent_id)
    position = end if data.position is None else min(data.position, end)
    if position < end:
        await repo.shift(meeting.id, data.parent_id, position)
    item = AgendaItem(
        meeting_id=meeting.id,
        parent_id=data.parent_id,
        position=position,
        title=data.title,
        description=data.description or {},
        duration_minutes=data.duration_minutes,
    )
    repo.add(item)
    await session.flush()
    record(session, ctx, meeting, "create", audit.created(item, ITEM_FIELDS), kind="agenda_item", id=item.id)
    return present_item(item, [])


async def _item(repo: AgendaItemRepository, meeting: Meeting, item_id: uuid.UUID) -> AgendaItem:
    item = await repo.in_meeting(meeting.id, item_id)
    if item is None:
        raise NotFound(f"agenda item {item_id} not found")
    return item


async def update_item(
    session: AsyncSession,
    ctx: ComponentContext,
    meeting: Meeting,
    item_id: uuid.UUID,
    data: AgendaItemUpdate,
    *,
    viewer: Viewer,
) -> AgendaItemRead:
    await _editable(session, ctx, meeting, viewer)
    repo = AgendaItemRepository(session, ctx.commune_id)
    item = await _item(repo, meeting, item_id)
    changes = data.model_dump(exclude_unset=True)
    errors: list[dict[str, Any]] = []
    for field in ("title", "description"):
        errors += rules.locale_errors(ctx, field, changes.get(field))
    rules.raise_invalid(errors)
    if "duration_minutes" in changes:
        duration = changes["duration_minutes"]
        limit, parent = await _limit(repo, meeting, item.parent_id)
        others = await repo.total_minutes(meeting.id, item.parent_id, without=item.id)
        _check_fits(others + duration, limit, parent)
        if item.parent_id is None:
            planned = await repo.total_minutes(meeting.id, item.id)
            if planned > duration:
                _invalid("duration_minutes", f"its sub-items last {planned} minutes", "sub_items_too_long")
    if "description" in changes and changes["description"] is None:
        changes["description"] = {}
    before = audit.snapshot(item, ITEM_FIELDS)
    for field, value in changes.items():
        setattr(item, field, value)
    await session.flush()
    delta = audit.diff(before, audit.snapshot(item, ITEM_FIELDS))
    if delta:
        record(session, ctx, meeting, "update", delta, kind="agenda_item", id=item.id)
    children = [] if item.parent_id is not None else await repo.level(meeting.id, item.id)
    return present_item(item, children)


async def delete_item(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, item_id: uuid.UUID, *, viewer: Viewer
) -> None:
    """The item, and its sub-items."""
    await _editable(session, ctx, meeting, viewer)
    repo = AgendaItemRepository(session, ctx.commune_id)
    item = await _item(repo, meeting, item_id)
    record(session, ctx, meeting, "delete", audit.deleted(item, ITEM_FIELDS), kind="agenda_item", id=item.id)
    await repo.remove(item)


async def reorder(
    session: AsyncSession, ctx: ComponentContext, meeting: Meeting, data: AgendaReorder, *, viewer: Viewer
) -> list[AgendaItemRead]:
    """Give one level the order of ``data.item_ids`` (every item of that level, each once)."""
    await _editable(session, ctx, meeting, viewer)
    repo = AgendaItemRepository(session, ctx.commune_id)
    if data.parent_id is not None:
        await _limit(repo, meeting, data.parent_id)
    level = {item.id: item for item in await repo.level(meeting.id, data.parent_id)}
    if len(set(data.item_ids)) != len(data.item_ids) or set(data.item_ids) != set(level):
        _invalid("item_ids", f"name each of the level's {len(level)} items once", "not_siblings")
    for position, item_id in enumerate(data.item_ids):
        level[item_id].position = position
    await session.flush()
    order = {
        "parent_id": str(data.parent_id) if data.parent_id else None,
        "order": [str(i) for i in data.item_ids],
    }
    record(session, ctx, meeting, "reorder_agenda", order)
    ordered = [level[i] for i in data.item_ids]
    children = await repo.children_of([i.id for i in ordered]) if data.parent_id is None else {}
    return [present_item(i, children.get(i.id, [])) for i in ordered]
