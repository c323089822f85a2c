"""SQL of meetings and agenda items: the people to tell when a meeting is cancelled, a meeting's agenda
(durations, levels, pages of top-level items with their sub-items in one statement each)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.identity.models import User
from civicapi.modules.agenda.models import (
    OFFERED,
    REGISTERED_STATUS,
    WAITING,
    AgendaItem,
    Meeting,
    Registration,
)


@dataclass(frozen=True, slots=True)
class Registrant:
    email: str
    display_name: str
    locale: str


class RegistrantRepository:
    def __init__(self, session: AsyncSession, commune_id: uuid.UUID) -> None:
        self.session = session
        self.commune_id = commune_id

    async def to_tell(self, meeting_id: uuid.UUID) -> list[Registrant]:
        """Active accounts holding a place, an offer or a number in the waiting list."""
        stmt = (
            select(User.email, User.display_name, User.locale)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.commune_id == self.commune_id,
                Registration.meeting_id == meeting_id,
                Registration.status.in_((REGISTERED_STATUS, OFFERED, WAITING)),
                User.is_active.is_(True),
            )
            .order_by(Registration.number)
        )
        return [Registrant(*row) for row in (await self.session.execute(stmt)).all()]


class AgendaItemRepository(CommuneScopedRepository[AgendaItem]):
    model = AgendaItem
    resource_name = "agenda item"

    async def lock_meeting(self, meeting: Meeting) -> None:
        """Serialise the edits of one agenda (``FOR UPDATE`` of the meeting's row on PostgreSQL; SQLite
        serialises writers anyway)."""
        await self.session.refresh(meeting, attribute_names=["end_at"], with_for_update=True)

    async def in_meeting(self, meeting_id: uuid.UUID, item_id: uuid.UUID) -> AgendaItem | None:
        stmt = self.base_statement().where(AgendaItem.meeting_id == meeting_id, AgendaItem.id == item_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def level(self, meeting_id: uuid.UUID, parent_id: uuid.UUID | None) -> list[AgendaItem]:
        """The items of one level (the top level, or the sub-items of ``parent_id``), in order."""
        stmt = (
            self.base_statement()
            .where(AgendaItem.meeting_id == meeting_id, _parent_is(parent_id))
            .order_by(AgendaItem.position, AgendaItem.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def total_minutes(
        self, meeting_id: uuid.UUID, parent_id: uuid.UUID | None, *, without: uuid.UUID | None = None
    ) -> int:
        """The summed durations of one level (but ``without``)."""
        stmt = select(func.coalesce(func.sum(AgendaItem.duration_minutes), 0)).where(
            AgendaItem.commune_id == self.commune_id,
            AgendaItem.meeting_id == meeting_id,
            _parent_is(parent_id),
        )
        if without is not None:
            stmt = stmt.where(AgendaItem.id != without)
        return int((await self.session.execute(stmt)).scalar_one())

    async def next_position(self, meeting_id: uuid.UUID, parent_id: uuid.UUID | None) -> int:
        stmt = select(func.coalesce(func.max(AgendaItem.position) + 1, 0)).where(
            AgendaItem.commune_id == self.commune_id,
            AgendaItem.meeting_id == meeting_id,
            _parent_is(parent_id),
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def shift(self, meeting_id: uuid.UUID, parent_id: uuid.UUID | None, from_position: int) -> None:
        """Make room at ``from_position``: the items at or after it move one place down."""
        await self.session.execute(
            update(AgendaItem)
            .where(
                AgendaItem.commune_id == self.commune_id,
                AgendaItem.meeting_id == meeting_id,
                _parent_is(parent_id),
                AgendaItem.position >= from_position,
            )
            .values(position=AgendaItem.position + 1)
            .execution_options(synchronize_session=False)
        )

    async def children_of(self, parent_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[AgendaItem]]:
        """The sub-items of these items, in order: one statement."""
        out: dict[uuid.UUID, list[AgendaItem]] = {p: [] for p in parent_ids}
        if not parent_ids:
            return out
        stmt = (
            self.base_statement()
            .where(AgendaItem.parent_id.in_(parent_ids))
            .order_by(AgendaItem.position, AgendaItem.id)
        )
        for child in (await self.session.execute(stmt)).scalars():
            assert child.parent_id is not None
            out[child.parent_id].append(child)
        return out

    def top_level(self, meeting_id: uuid.UUID) -> Select[AgendaItem]:
        """The statement of a meeting's top-level items (paged by the caller)."""
        return self.base_statement().where(
            AgendaItem.meeting_id == meeting_id, AgendaItem.parent_id.is_(None)
        )

    async def remove(self, item: AgendaItem) -> None:
        """The item and its sub-items."""
        await self.session.execute(
            delete(AgendaItem).where(
                AgendaItem.commune_id == self.commune_id, AgendaItem.parent_id == item.id
            )
        )
        await self.session.delete(item)


def _parent_is(parent_id: uuid.UUID | None) -> ColumnElement[bool]:
    return AgendaItem.parent_id.is_(None) if parent_id is None else AgendaItem.parent_id == parent_id
