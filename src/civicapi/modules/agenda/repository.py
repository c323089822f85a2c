"""SQL of the agenda shared by its use cases: meetings by id within a component, and what makes a private
meeting visible to a person (an invitation or a registration). Each use case adds its own repository."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, or_, select

from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.modules.agenda.models import (
    CANCELLED_REGISTRATION,
    DECLINED,
    Invite,
    Meeting,
    Registration,
)


class MeetingRepository(CommuneScopedRepository[Meeting]):
    model = Meeting
    resource_name = "meeting"

    async def in_component(self, component_id: uuid.UUID, meeting_id: uuid.UUID) -> Meeting | None:
        stmt = self.base_statement().where(Meeting.component_id == component_id, Meeting.id == meeting_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def ids_in_component(self, component_id: uuid.UUID) -> list[uuid.UUID]:
        stmt = select(Meeting.id).where(
            Meeting.commune_id == self.commune_id, Meeting.component_id == component_id
        )
        return list((await self.session.execute(stmt.order_by(Meeting.start_at, Meeting.id))).scalars())

    async def is_guest(self, meeting_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Whether the person holds an invitation (not declined) or a registration (not cancelled)."""
        invited = exists().where(
            Invite.commune_id == self.commune_id,
            Invite.meeting_id == meeting_id,
            Invite.user_id == user_id,
            Invite.status != DECLINED,
        )
        registered = exists().where(
            Registration.commune_id == self.commune_id,
            Registration.meeting_id == meeting_id,
            Registration.user_id == user_id,
            Registration.status != CANCELLED_REGISTRATION,
        )
        return bool((await self.session.execute(select(or_(invited, registered)))).scalar_one())

    async def guest_meeting_ids(self, meeting_ids: list[uuid.UUID], user_id: uuid.UUID) -> set[uuid.UUID]:
        """Of these meetings, those the person is invited to (not declined) or registered for (not
        cancelled): one statement."""
        invited = select(Invite.meeting_id).where(
            Invite.commune_id == self.commune_id,
            Invite.meeting_id.in_(meeting_ids),
            Invite.user_id == user_id,
            Invite.status != DECLINED,
        )
        registered = select(Registration.meeting_id).where(
            Registration.commune_id == self.commune_id,
            Registration.meeting_id.in_(meeting_ids),
            Registration.user_id == user_id,
            Registration.status != CANCELLED_REGISTRATION,
        )
        rows = await self.session.execute(invited.union(registered))
        return set(rows.scalars())
