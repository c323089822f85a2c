"""SQL of the reminders (:mod:`.reminders`): the meetings of every commune where one may be due, the claim
that makes each reminder go once whatever the number of processes, and who receives it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from civicapi.communes.models import Commune, CommuneModule, Membership
from civicapi.identity.models import User
from civicapi.modules.agenda.models import (
    PUBLISHED,
    REGISTERED_STATUS,
    REGISTRATION_ON_PLATFORM,
    Meeting,
    Registration,
)
from civicapi.spaces.models import Component

KEY = "agenda"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A meeting where a reminder may be due, with what deciding and writing it needs."""

    meeting: Meeting
    component_settings: dict[str, Any]
    commune: Commune


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str
    locale: str | None
    """``None`` for the commune's contact address (its default locale)."""


class ReminderRepository:
    """Across communes: the sweep serves every commune that enabled the agenda."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def candidates(self, now: datetime, *, ahead: timedelta, behind: timedelta) -> list[Candidate]:
        """Published meetings, in communes where the agenda is enabled, that may owe: their registrants a
        reminder (starting within ``ahead``), their organisers a fill alert (upcoming, with places and
        registrations), their author a reminder to close them (ended within ``behind``)."""
        on_platform = Meeting.registration_mode == REGISTRATION_ON_PLATFORM
        stmt = (
            select(Meeting, Component.settings, Commune)
            .join(Component, Component.id == Meeting.component_id)
            .join(Commune, Commune.id == Meeting.commune_id)
            .join(
                CommuneModule,
                and_(
                    CommuneModule.commune_id == Meeting.commune_id,
                    CommuneModule.module_key == KEY,
                    CommuneModule.enabled.is_(True),
                ),
            )
            .where(
                Meeting.status == PUBLISHED,
                or_(
                    and_(
                        Meeting.reminders_sent_at.is_(None),
                        on_platform,
                        Meeting.start_at > now,
                        Meeting.start_at <= now + ahead,
                    ),
                    and_(
                        Meeting.fill_alert_sent_at.is_(None),
                        on_platform,
                        Meeting.start_at > now,
                        Meeting.available_slots > Meeting.reserved_slots,
                        Meeting.registrations_count > 0,
                    ),
                    and_(
                        Meeting.close_reminder_sent_at.is_(None),
                        Meeting.closed_at.is_(None),
                        Meeting.end_at <= now,
                        Meeting.end_at > now - behind,
                    ),
                ),
            )
            .order_by(Meeting.start_at, Meeting.id)
        )
        rows = (await self.session.execute(stmt)).all()
        return [Candidate(meeting, settings or {}, commune) for meeting, settings, commune in rows]

    async def claim(self, meeting_id: uuid.UUID, column: InstrumentedAttribute[Any], now: datetime) -> bool:
        """Mark the reminder sent unless it is already: a conditional UPDATE, so of sweeps racing in any
        number of processes exactly one sees its row changed (and sends). The meeting's ``updated_at``
        stays: a reminder is no change to the meeting."""
        stmt = (
            update(Meeting)
            .where(Meeting.id == meeting_id, column.is_(None))
            .values({column: now, Meeting.updated_at: Meeting.updated_at})
            .returning(Meeting.id)
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def registrants(self, meeting_id: uuid.UUID) -> list[Recipient]:
        """People holding a place (not waiting, not cancelled) whose account can be mailed."""
        stmt = (
            select(User.email, User.display_name, User.locale)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.meeting_id == meeting_id,
                Registration.status == REGISTERED_STATUS,
                User.is_active.is_(True),
                User.email_confirmed_at.is_not(None),
            )
            .order_by(Registration.number)
        )
        return [Recipient(e, n, loc) for e, n, loc in (await self.session.execute(stmt)).all()]

    async def account(self, user_id: uuid.UUID) -> Recipient | None:
        stmt = select(User.email, User.display_name, User.locale).where(
            User.id == user_id, User.is_active.is_(True), User.email_confirmed_at.is_not(None)
        )
        row = (await self.session.execute(stmt)).first()
        return None if row is None else Recipient(row[0], row[1], row[2])

    async def team(self, commune_id: uuid.UUID, roles: tuple[str, ...]) -> list[Recipient]:
        """The commune's members holding one of ``roles`` whose account can be mailed (each once)."""
        stmt = (
            select(User.email, User.display_name, User.locale)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.commune_id == commune_id,
                Membership.role.in_(roles),
                User.is_active.is_(True),
                User.email_confirmed_at.is_not(None),
            )
            .distinct()
            .order_by(User.email)
        )
        return [Recipient(e, n, loc) for e, n, loc in (await self.session.execute(stmt)).all()]
