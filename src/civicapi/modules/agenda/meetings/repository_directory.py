"""SQL of the lists of meetings (a component's, and the commune's directory across processes): the
visibility rule of ``common.reading`` as conditions of one statement, never a query per row.

- the directory lists the meetings of published agenda components in published processes;
- drafts: their author and holders of ``agenda.manage``;
- a private meeting that is not transparent: those, and its guests (an invitation not declined or a
  registration not cancelled), through ``EXISTS``; a transparent one is listed for everyone, but its
  text is searched only for those who may read its details."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true

from civicapi.modules.agenda.common.reading import Viewer
from civicapi.modules.agenda.models import (
    CANCELLED_REGISTRATION,
    DECLINED,
    DRAFT,
    Invite,
    Meeting,
    Registration,
)
from civicapi.spaces.models import Component, ParticipatoryProcess

MODULE_KEY = "agenda"


@dataclass(frozen=True, slots=True)
class MeetingFilters:
    upcoming: bool = True
    """Upcoming (ends after ``now``) or past (ended)."""
    now: datetime | None = None
    start_from: datetime | None = None
    start_before: datetime | None = None
    meeting_type: str | None = None
    category: str | None = None
    district: str | None = None
    status: str | None = None
    words: Sequence[str] = ()
    """Folded words that must all appear in the title or description."""
    registered: uuid.UUID | None = None
    """Only meetings this person registered for (registration not cancelled)."""
    component_id: uuid.UUID | None = None
    component_checked: bool = False
    """The component's visibility was checked already (a component's own list): no join."""


def _registered(user_id: uuid.UUID) -> ColumnElement[bool]:
    return exists().where(
        Registration.meeting_id == Meeting.id,
        Registration.user_id == user_id,
        Registration.status != CANCELLED_REGISTRATION,
    )


def _guest(viewer: Viewer) -> ColumnElement[bool]:
    """The viewer authored the meeting, holds an invitation (not declined) or a registration (not
    cancelled)."""
    me = viewer.user_id
    if me is None:
        return false()
    invited = exists().where(Invite.meeting_id == Meeting.id, Invite.user_id == me, Invite.status != DECLINED)
    return or_(Meeting.author_id == me, invited, _registered(me))


def _sees_details(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.manages:
        return true()
    return or_(Meeting.private.is_(False), _guest(viewer))


def visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """``common.reading``'s rule for one meeting, as a condition on every row."""
    if viewer.manages:
        return true()
    outline = or_(Meeting.private.is_(False), Meeting.transparent.is_(True))
    if viewer.user_id is None:
        return and_(Meeting.status != DRAFT, outline)
    return or_(
        Meeting.author_id == viewer.user_id, and_(Meeting.status != DRAFT, or_(outline, _guest(viewer)))
    )


def meetings_statement(commune_id: uuid.UUID, viewer: Viewer, filters: MeetingFilters) -> Select[Any]:
    """The meetings the viewer may see that pass the filters (not yet ordered nor paged): unless
    ``component_checked``, only those of published agenda components in published processes."""
    stmt = select(Meeting).where(Meeting.commune_id == commune_id, visible_to(viewer))
    if filters.component_id is not None:
        stmt = stmt.where(Meeting.component_id == filters.component_id)
    if not filters.component_checked:
        stmt = (
            stmt.join(Component, Component.id == Meeting.component_id)
            .join(ParticipatoryProcess, ParticipatoryProcess.id == Component.process_id)
            .where(
                Component.module_key == MODULE_KEY,
                Component.published_at.is_not(None),
                ParticipatoryProcess.published_at.is_not(None),
            )
        )
    if filters.now is not None:
        stmt = stmt.where(Meeting.end_at > filters.now if filters.upcoming else Meeting.end_at <= filters.now)
    if filters.start_from is not None:
        stmt = stmt.where(Meeting.start_at >= filters.start_from)
    if filters.start_before is not None:
        stmt = stmt.where(Meeting.start_at < filters.start_before)
    for column, value in (
        (Meeting.meeting_type, filters.meeting_type),
        (Meeting.category, filters.category),
        (Meeting.district, filters.district),
        (Meeting.status, filters.status),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.words:
        # The words of a private meeting's description are not searched by those who may not read it.
        stmt = stmt.where(_sees_details(viewer))
    for word in filters.words:
        stmt = stmt.where(Meeting.search_text.contains(word, autoescape=True))
    if filters.registered is not None:
        stmt = stmt.where(_registered(filters.registered))
    return stmt
