"""SQL of the calendars and exports: the meetings a caller may see, as one set-based statement (the rule of
``common/reading.py`` in SQL, one statement per page, never one per row); a person's registrations; the
secrets of personal feeds; the registrations of a meeting for the team's export."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, delete, exists, or_, select, true

from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.core.pagination import PageParams, keyset_page
from civicapi.identity.models import User
from civicapi.modules.agenda.common.reading import Viewer
from civicapi.modules.agenda.models import (
    CANCELLED_REGISTRATION,
    DECLINED,
    DRAFT,
    CalendarToken,
    Invite,
    Meeting,
    Registration,
)
from civicapi.spaces.models import Component, ParticipatoryProcess

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class MeetingFilters:
    """What a feed or an export narrows to (all optional): meetings overlapping [``start``, ``end``), of a
    type, a district, a category, a component."""

    start: datetime | None = None
    end: datetime | None = None
    meeting_type: str | None = None
    district: str | None = None
    category: str | None = None
    component_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class RegistrationRow:
    """One line of the team's registrations export."""

    number: int
    status: str
    code: str
    display_name: str | None
    email: str | None
    public_participation: bool
    registered_at: datetime
    confirmed_at: datetime | None
    checked_in_at: datetime | None
    cancelled_at: datetime | None


class CalendarRepository(CommuneScopedRepository[Meeting]):
    model = Meeting
    resource_name = "meeting"

    def _published_spaces(self, stmt: Q) -> Q:
        """Only meetings of published components in published processes."""
        return (
            stmt.join(Component, Component.id == Meeting.component_id)
            .join(ParticipatoryProcess, ParticipatoryProcess.id == Component.process_id)
            .where(Component.published_at.is_not(None), ParticipatoryProcess.published_at.is_not(None))
        )

    def _guest(self, user_id: uuid.UUID) -> ColumnElement[bool]:
        """The person is invited to the row's meeting (not declined) or registered for it (not cancelled)."""
        invited = exists().where(
            Invite.commune_id == self.commune_id,
            Invite.meeting_id == Meeting.id,
            Invite.user_id == user_id,
            Invite.status != DECLINED,
        )
        registered = exists().where(
            Registration.commune_id == self.commune_id,
            Registration.meeting_id == Meeting.id,
            Registration.user_id == user_id,
            Registration.status != CANCELLED_REGISTRATION,
        )
        return or_(invited, registered)

    def visible_to(self, viewer: Viewer) -> ColumnElement[bool]:
        """``common.reading``'s rule as a condition: holders of ``agenda.manage`` see everything; authors
        their own meetings; everyone else meetings that are not drafts and either not private, or private
        and transparent (listed, details hidden), or private with the viewer among the guests."""
        if viewer.manages:
            return true()
        listed = or_(Meeting.private.is_(False), Meeting.transparent.is_(True))
        if viewer.user_id is None:
            return and_(Meeting.status != DRAFT, listed)
        return or_(
            Meeting.author_id == viewer.user_id,
            and_(Meeting.status != DRAFT, or_(listed, self._guest(viewer.user_id))),
        )

    def _filtered(self, stmt: Q, filters: MeetingFilters) -> Q:
        conditions: list[ColumnElement[bool]] = []
        if filters.start is not None:
            conditions.append(Meeting.end_at > filters.start)
        if filters.end is not None:
            conditions.append(Meeting.start_at < filters.end)
        if filters.meeting_type is not None:
            conditions.append(Meeting.meeting_type == filters.meeting_type)
        if filters.district is not None:
            conditions.append(Meeting.district == filters.district)
        if filters.category is not None:
            conditions.append(Meeting.category == filters.category)
        if filters.component_id is not None:
            conditions.append(Meeting.component_id == filters.component_id)
        return stmt.where(*conditions)

    async def feed(
        self,
        viewer: Viewer,
        filters: MeetingFilters,
        *,
        limit: int,
        component_id: uuid.UUID | None = None,
    ) -> list[Meeting]:
        """Up to ``limit`` meetings the viewer may see, by start: of one component (whose visibility the
        route checked), else of the commune's published components in published processes."""
        stmt = self.base_statement().where(self.visible_to(viewer))
        if component_id is not None:
            stmt = stmt.where(Meeting.component_id == component_id)
        else:
            stmt = self._published_spaces(stmt)
        stmt = self._filtered(stmt, filters).order_by(Meeting.start_at, Meeting.id).limit(limit)
        return list((await self.session.execute(stmt)).scalars())

    async def registered_feed(
        self, user_id: uuid.UUID, *, since: datetime, limit: int
    ) -> list[tuple[Meeting, str]]:
        """The meetings (not drafts, of published spaces, ending after ``since``) the person holds a
        registration for that is not cancelled, with the registration's status; by start."""
        stmt = (
            select(Meeting, Registration.status)
            .join(Registration, Registration.meeting_id == Meeting.id)
            .where(
                Meeting.commune_id == self.commune_id,
                Registration.commune_id == self.commune_id,
                Registration.user_id == user_id,
                Registration.status != CANCELLED_REGISTRATION,
                Meeting.status != DRAFT,
                Meeting.end_at > since,
            )
        )
        ordered = self._published_spaces(stmt).order_by(Meeting.start_at, Meeting.id).limit(limit)
        rows = (await self.session.execute(ordered)).all()
        return [(row[0], row[1]) for row in rows]

    def open_data_statement(self, filters: MeetingFilters, component_id: uuid.UUID | None) -> Select[Any]:
        """Meetings everyone may see in full: not drafts, not private, of published spaces (or of the
        given component, whose visibility the route checked)."""
        stmt = self.base_statement().where(Meeting.status != DRAFT, Meeting.private.is_(False))
        if component_id is not None:
            stmt = stmt.where(Meeting.component_id == component_id)
        else:
            stmt = self._published_spaces(stmt)
        return self._filtered(stmt, filters)

    async def open_data_page(
        self, filters: MeetingFilters, component_id: uuid.UUID | None, params: PageParams
    ) -> tuple[list[Meeting], str | None]:
        return await keyset_page(
            self.session,
            self.open_data_statement(filters, component_id),
            params=params,
            sorts={"start_at": Meeting.start_at},
            default_sort="start_at",
            id_column=Meeting.id,
        )

    async def batch_after(
        self, stmt: Select[Any], after: tuple[datetime, uuid.UUID] | None, size: int
    ) -> list[Meeting]:
        """The next ``size`` meetings of ``stmt`` by (start, id), after the key ``after``."""
        if after is not None:
            start, last = after
            stmt = stmt.where(
                or_(Meeting.start_at > start, and_(Meeting.start_at == start, Meeting.id > last))
            )
        stmt = stmt.order_by(Meeting.start_at, Meeting.id).limit(size)
        return list((await self.session.execute(stmt)).scalars())

    async def registrations_after(
        self, meeting_id: uuid.UUID, after: int, size: int
    ) -> list[RegistrationRow]:
        """The meeting's next ``size`` registrations in arrival order (number > ``after``), with the name
        and address of the person (null once their account is erased)."""
        stmt = (
            select(Registration, User.display_name, User.email)
            .outerjoin(User, User.id == Registration.user_id)
            .where(
                Registration.commune_id == self.commune_id,
                Registration.meeting_id == meeting_id,
                Registration.number > after,
            )
            .order_by(Registration.number)
            .limit(size)
        )
        return [
            RegistrationRow(
                number=r.number,
                status=r.status,
                code=r.code,
                display_name=name,
                email=email,
                public_participation=r.public_participation,
                registered_at=r.created_at,
                confirmed_at=r.confirmed_at,
                checked_in_at=r.checked_in_at,
                cancelled_at=r.cancelled_at,
            )
            for r, name, email in (await self.session.execute(stmt)).all()
        ]


class CalendarTokenRepository(CommuneScopedRepository[CalendarToken]):
    model = CalendarToken
    resource_name = "calendar token"

    async def owner_of(self, token_hash: str) -> uuid.UUID | None:
        """The person whose live (not revoked) feed secret has this hash."""
        stmt = select(CalendarToken.user_id).where(
            CalendarToken.commune_id == self.commune_id,
            CalendarToken.token_hash == token_hash,
            CalendarToken.revoked_at.is_(None),
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def forget_of(self, user_id: uuid.UUID) -> int:
        """Delete the person's feed secrets here (their feed URLs stop working); answers how many."""
        stmt = delete(CalendarToken).where(
            CalendarToken.commune_id == self.commune_id, CalendarToken.user_id == user_id
        )
        result: Any = await self.session.execute(stmt.execution_options(synchronize_session=False))
        return int(result.rowcount or 0)
