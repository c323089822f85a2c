"""SQL of registrations. The meeting's counters (places taken, people waiting, arrival numbers, attendance)
change by conditional ``UPDATE``s only: a place is taken only while one is free, whatever the concurrency
(on PostgreSQL the ``UPDATE`` waits for the row and re-checks its condition; SQLite writes one at a time)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.identity.models import User
from civicapi.modules.agenda.models import (
    OFFERED,
    REGISTERED_STATUS,
    WAITING,
    Invite,
    Meeting,
    Registration,
)

NO_SYNC = {"synchronize_session": False}


def _has_free_place() -> Any:
    """A meeting has a place for one more registrant (``available_slots`` 0: no limit)."""
    return or_(
        Meeting.available_slots == 0,
        Meeting.registrations_count < Meeting.available_slots - Meeting.reserved_slots,
    )


class MeetingCounters:
    """The counters of one commune's meetings, each changed by one conditional ``UPDATE``."""

    def __init__(self, session: AsyncSession, commune_id: uuid.UUID) -> None:
        self.session = session
        self.commune_id = commune_id

    async def _update(self, meeting_id: uuid.UUID, *where: Any, **values: Any) -> int | None:
        """Apply ``values`` if ``where`` holds; the new arrival number when ``queue_seq`` moved, else 1;
        None when the condition failed."""
        stmt = (
            update(Meeting)
            .where(Meeting.id == meeting_id, Meeting.commune_id == self.commune_id, *where)
            .values(**values)
            .returning(Meeting.queue_seq)
        )
        row = (await self.session.execute(stmt, execution_options=NO_SYNC)).first()
        return None if row is None else int(row[0])

    async def take_place(self, meeting_id: uuid.UUID) -> int | None:
        """A free place and the next arrival number (None when full)."""
        return await self._update(
            meeting_id,
            _has_free_place(),
            registrations_count=Meeting.registrations_count + 1,
            queue_seq=Meeting.queue_seq + 1,
        )

    async def join_queue(self, meeting_id: uuid.UUID) -> int | None:
        """A place in the waiting list and the next arrival number (None when the meeting has none)."""
        return await self._update(
            meeting_id,
            Meeting.waitlist_enabled.is_(True),
            waiting_count=Meeting.waiting_count + 1,
            queue_seq=Meeting.queue_seq + 1,
        )

    async def promote_one(self, meeting_id: uuid.UUID) -> bool:
        """One person of the waiting list takes a free place (False when none is free)."""
        done = await self._update(
            meeting_id,
            _has_free_place(),
            Meeting.waiting_count > 0,
            registrations_count=Meeting.registrations_count + 1,
            waiting_count=Meeting.waiting_count - 1,
        )
        return done is not None

    async def demote_one(self, meeting_id: uuid.UUID) -> None:
        """Undo :meth:`promote_one` (the person it was meant for had left the line meanwhile)."""
        await self._update(
            meeting_id,
            registrations_count=Meeting.registrations_count - 1,
            waiting_count=Meeting.waiting_count + 1,
        )

    async def leave(self, meeting_id: uuid.UUID, *, had_place: bool) -> None:
        """A registration that held a place (or waited) is gone."""
        if had_place:
            await self._update(meeting_id, registrations_count=Meeting.registrations_count - 1)
        else:
            await self._update(meeting_id, waiting_count=Meeting.waiting_count - 1)

    async def count_attendance(self, meeting_id: uuid.UUID) -> None:
        await self._update(meeting_id, attendance_count=Meeting.attendance_count + 1)

    async def taken(self, meeting_id: uuid.UUID) -> int:
        stmt = select(Meeting.registrations_count).where(
            Meeting.id == meeting_id, Meeting.commune_id == self.commune_id
        )
        return int((await self.session.execute(stmt)).scalar_one())


class RegistrationRepository(CommuneScopedRepository[Registration]):
    model = Registration
    resource_name = "registration"

    async def of_person(self, meeting_id: uuid.UUID, user_id: uuid.UUID) -> Registration | None:
        stmt = self.base_statement().where(
            Registration.meeting_id == meeting_id, Registration.user_id == user_id
        )
        return await self.first(stmt.execution_options(populate_existing=True))

    async def in_meeting(self, meeting_id: uuid.UUID, registration_id: uuid.UUID) -> Registration | None:
        stmt = self.base_statement().where(
            Registration.meeting_id == meeting_id, Registration.id == registration_id
        )
        return await self.first(stmt.execution_options(populate_existing=True))

    async def by_code(self, code: str) -> Registration | None:
        return await self.first(self.base_statement().where(Registration.code == code))

    async def first_waiting(self, meeting_id: uuid.UUID) -> Registration | None:
        stmt = (
            self.base_statement()
            .where(Registration.meeting_id == meeting_id, Registration.status == WAITING)
            .order_by(Registration.number)
            .limit(1)
        )
        return await self.first(stmt)

    async def place_in_line(self, meeting_id: uuid.UUID, number: int) -> int:
        """1 for the first in line: how many wait ahead of ``number``, plus one."""
        stmt = select(func.count()).where(
            Registration.commune_id == self.commune_id,
            Registration.meeting_id == meeting_id,
            Registration.status == WAITING,
            Registration.number < number,
        )
        return int((await self.session.execute(stmt)).scalar_one()) + 1

    async def move(
        self, registration_id: uuid.UUID, *, from_status: str, to_status: str, **values: Any
    ) -> bool:
        """Change a registration's status if it still has ``from_status`` (a conditional ``UPDATE``)."""
        stmt = (
            update(Registration)
            .where(
                Registration.id == registration_id,
                Registration.commune_id == self.commune_id,
                Registration.status == from_status,
            )
            .values(status=to_status, **values)
        )
        result: CursorResult[Any] = await self.session.execute(  # type: ignore[assignment]
            stmt, execution_options=NO_SYNC
        )
        return result.rowcount == 1

    async def check_in(self, registration_id: uuid.UUID, by: uuid.UUID | None, now: datetime) -> bool:
        """Mark a registration present, once: False when it was already."""
        stmt = (
            update(Registration)
            .where(
                Registration.id == registration_id,
                Registration.commune_id == self.commune_id,
                Registration.status == REGISTERED_STATUS,
                Registration.checked_in_at.is_(None),
            )
            .values(checked_in_at=now, checked_in_by_id=by)
        )
        result: CursorResult[Any] = await self.session.execute(  # type: ignore[assignment]
            stmt, execution_options=NO_SYNC
        )
        return result.rowcount == 1

    async def expired_offers(self, meeting_id: uuid.UUID, now: datetime) -> list[Registration]:
        stmt = self.base_statement().where(
            Registration.meeting_id == meeting_id,
            Registration.status == OFFERED,
            Registration.offered_until < now,
        )
        return await self.all(stmt.order_by(Registration.number))

    def listing(self, meeting_id: uuid.UUID, status: str | None) -> Any:
        """Staff list of a meeting's registrations (keyset-paged by the caller)."""
        stmt = self.base_statement().where(Registration.meeting_id == meeting_id)
        return stmt if status is None else stmt.where(Registration.status == status)

    def participants(self, meeting_id: uuid.UUID) -> Any:
        """The registrants (holding a place) who agreed to be listed publicly."""
        return self.base_statement().where(
            Registration.meeting_id == meeting_id,
            Registration.public_participation.is_(True),
            Registration.status == REGISTERED_STATUS,
            Registration.user_id.is_not(None),
        )

    async def people(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
        if not user_ids:
            return {}
        rows = await self.session.execute(select(User).where(User.id.in_(user_ids)))
        return {u.id: u for u in rows.scalars()}


async def meetings_with_expired_offers(
    session: AsyncSession, now: datetime
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(commune, meeting) of every meeting, in every commune, holding an offer past its deadline: what the
    periodic sweep passes on (deliberately unscoped)."""
    stmt = (
        select(Meeting.commune_id, Meeting.id)
        .where(
            Meeting.id.in_(
                select(Registration.meeting_id).where(
                    and_(Registration.status == OFFERED, Registration.offered_until < now)
                )
            )
        )
        .order_by(Meeting.id)
    )
    return [(row[0], row[1]) for row in await session.execute(stmt)]


class InviteRepository(CommuneScopedRepository[Invite]):
    model = Invite
    resource_name = "invitation"

    async def of_person(self, meeting_id: uuid.UUID, user_id: uuid.UUID) -> Invite | None:
        stmt = self.base_statement().where(Invite.meeting_id == meeting_id, Invite.user_id == user_id)
        return await self.first(stmt)

    async def by_token(self, token_hash: str) -> Invite | None:
        return await self.first(self.base_statement().where(Invite.token_hash == token_hash))

    async def addressed(self, meeting_id: uuid.UUID, user_id: uuid.UUID | None, email: str | None) -> bool:
        """Whether the meeting has an invitation for this account or address already."""
        stmt = self.base_statement().where(
            Invite.meeting_id == meeting_id,
            Invite.user_id == user_id if user_id is not None else Invite.email == email,
        )
        return await self.first(stmt) is not None

    def listing(self, meeting_id: uuid.UUID) -> Any:
        return self.base_statement().where(Invite.meeting_id == meeting_id)

    async def user(self, user_id: uuid.UUID) -> User | None:
        return (await self.session.execute(select(User).where(User.id == user_id))).scalar_one_or_none()


class PersonalDataRepository:
    """A person's registrations and invitations in every commune, for the GDPR hooks (deliberately
    unscoped)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def registrations(self, user_id: uuid.UUID) -> list[tuple[Registration, Meeting]]:
        stmt = (
            select(Registration, Meeting)
            .join(Meeting, Meeting.id == Registration.meeting_id)
            .where(Registration.user_id == user_id)
            .order_by(Registration.created_at, Registration.id)
        )
        return [(row[0], row[1]) for row in await self.session.execute(stmt)]

    async def invites(self, user_id: uuid.UUID, email: str | None) -> list[Invite]:
        who = (
            Invite.user_id == user_id
            if email is None
            else or_(Invite.user_id == user_id, Invite.email == email)
        )
        stmt = select(Invite).where(who).order_by(Invite.created_at, Invite.id)
        return list((await self.session.execute(stmt)).scalars())

    async def user(self, user_id: uuid.UUID) -> User | None:
        return (await self.session.execute(select(User).where(User.id == user_id))).scalar_one_or_none()

    async def forget(self, user_id: uuid.UUID, email: str | None) -> None:
        """Registrations keep their rows (and the counts), without the person; invitations by e-mail go."""
        await self.session.execute(
            update(Registration)
            .where(Registration.user_id == user_id)
            .values(user_id=None, idempotency_key=None),
            execution_options=NO_SYNC,
        )
        await self.session.execute(
            update(Registration)
            .where(Registration.checked_in_by_id == user_id)
            .values(checked_in_by_id=None),
            execution_options=NO_SYNC,
        )
        if email is not None:
            await self.session.execute(delete(Invite).where(Invite.email == email), execution_options=NO_SYNC)
        await self.session.execute(
            update(Invite).where(Invite.invited_by_id == user_id).values(invited_by_id=None),
            execution_options=NO_SYNC,
        )
