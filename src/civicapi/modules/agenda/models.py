"""Tables of the agenda module (``agenda_*``): meetings of a component, their agenda items, the people
registered for them (and waiting for a place), invitations, and the secrets of personal calendar feeds.
Foreign keys go only to own and platform tables.

Counters that concurrent requests change (places taken, the waiting list's arrival numbers, attendance)
live on the meeting and are changed by conditional ``UPDATE``s, never read-modify-written; one person holds
at most one registration per meeting by a unique constraint.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civicapi.core.db.base import Base, CommuneScopedMixin, IdMixin, TimestampMixin, utcnow

# Meeting types, and who may read a meeting's online link.
IN_PERSON, ONLINE, HYBRID = "in_person", "online", "hybrid"
MEETING_TYPES = (IN_PERSON, ONLINE, HYBRID)
EVERYONE, SIGNED_IN, REGISTERED = "everyone", "signed_in", "registered"
URL_VISIBILITIES = (EVERYONE, SIGNED_IN, REGISTERED)

# Meeting statuses: a draft is seen by its author and staff only; withdrawn (by its author, before it
# starts) and cancelled (by staff, with a reason) meetings stay readable, marked so.
DRAFT, PUBLISHED, WITHDRAWN, CANCELLED = "draft", "published", "withdrawn", "cancelled"
MEETING_STATUSES = (DRAFT, PUBLISHED, WITHDRAWN, CANCELLED)

# How people register: not at all, here, or on another site (``registration_url``).
REGISTRATION_DISABLED, REGISTRATION_ON_PLATFORM, REGISTRATION_EXTERNAL = "disabled", "on_platform", "external"
REGISTRATION_MODES = (REGISTRATION_DISABLED, REGISTRATION_ON_PLATFORM, REGISTRATION_EXTERNAL)

# A registration holds a place (``registered``), waits in line (``waiting``), has been offered a freed
# place that it must confirm before ``offered_until`` (``offered``), or was cancelled.
REGISTERED_STATUS, WAITING, OFFERED, CANCELLED_REGISTRATION = "registered", "waiting", "offered", "cancelled"
REGISTRATION_STATUSES = (REGISTERED_STATUS, WAITING, OFFERED, CANCELLED_REGISTRATION)

# Invitations to a (private or public) meeting, sent by staff to an account or an e-mail address.
PENDING, ACCEPTED, DECLINED = "pending", "accepted", "declined"
INVITE_STATUSES = (PENDING, ACCEPTED, DECLINED)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _meeting_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("agenda_meeting.id", ondelete="CASCADE"), index=True)


class Meeting(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A public meeting of a component: when and where, how to register, and (once held) its closing."""

    __tablename__ = "agenda_meeting"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint(_in("meeting_type", MEETING_TYPES), name="meeting_type"),
        CheckConstraint(_in("online_url_visibility", URL_VISIBILITIES), name="online_url_visibility"),
        CheckConstraint(_in("status", MEETING_STATUSES), name="status"),
        CheckConstraint(_in("registration_mode", REGISTRATION_MODES), name="registration_mode"),
        CheckConstraint("available_slots >= 0", name="available_slots"),
        CheckConstraint("reserved_slots >= 0 AND reserved_slots <= available_slots", name="reserved_slots"),
        CheckConstraint("registrations_count >= 0", name="registrations_count"),
        CheckConstraint("waiting_count >= 0", name="waiting_count"),
        CheckConstraint("attendance_count >= 0", name="attendance_count"),
        CheckConstraint(
            "registrations_close_at IS NULL OR registrations_open_at IS NULL "
            "OR registrations_close_at > registrations_open_at",
            name="registrations_window",
        ),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude"),
        # The directory: a commune's meetings by start, across components (keyset on (start_at, id)).
        Index("ix_agenda_meeting_directory", "commune_id", "status", "start_at", "id"),
        Index("ix_agenda_meeting_component_start", "component_id", "start_at", "id"),
    )

    component_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("spaces_component.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    official: Mapped[bool] = mapped_column(default=True)
    """Organised by the commune (true) or by a participant (``author_id``)."""
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    search_text: Mapped[str] = mapped_column(Text, default="", deferred=True, deferred_raiseload=True)
    """Title and description, case- and accent-folded: what the directory's text filter searches."""

    start_at: Mapped[datetime]
    """UTC; shown in the commune's time zone."""
    end_at: Mapped[datetime]
    meeting_type: Mapped[str] = mapped_column(String(12), default=IN_PERSON)
    location: Mapped[dict[str, str]] = mapped_column(default=dict)
    """The place's name (multilingual), e.g. "Salle du conseil"."""
    location_hints: Mapped[dict[str, str]] = mapped_column(default=dict)
    address: Mapped[str | None] = mapped_column(String(300))
    """Required for in-person and hybrid meetings."""
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    online_url: Mapped[str | None] = mapped_column(String(500))
    """An ``https`` link, required for online and hybrid meetings."""
    online_url_visibility: Mapped[str] = mapped_column(String(12), default=EVERYONE)
    embed_url: Mapped[str | None] = mapped_column(String(500))
    """A live stream to embed, from the component's allow-list of hosts."""
    category: Mapped[str | None] = mapped_column(String(60))
    district: Mapped[str | None] = mapped_column(String(60))

    private: Mapped[bool] = mapped_column(default=False)
    """Seen by invitees and staff only..."""
    transparent: Mapped[bool] = mapped_column(default=False)
    """...unless transparent: then listed for everyone, with its details hidden."""

    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[dict[str, str] | None]
    sequence: Mapped[int] = mapped_column(default=0)
    """Bumped at every change a calendar reader must see (RFC 5545 ``SEQUENCE``)."""

    registration_mode: Mapped[str] = mapped_column(String(12), default=REGISTRATION_DISABLED)
    registration_url: Mapped[str | None] = mapped_column(String(500))
    available_slots: Mapped[int] = mapped_column(default=0)
    """Places in the room; 0 with registrations on the platform means "no limit"."""
    reserved_slots: Mapped[int] = mapped_column(default=0)
    """Places kept aside (guests, speakers), not offered to registrants."""
    registrations_open_at: Mapped[datetime | None]
    registrations_close_at: Mapped[datetime | None]
    registration_terms: Mapped[dict[str, str]] = mapped_column(default=dict)
    """Terms a registrant accepts; empty: none."""
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    offer_hours: Mapped[int | None]
    """A place freed for the first in line is held this long for them to confirm; null: given at once."""
    registrations_count: Mapped[int] = mapped_column(default=0)
    """Places taken (registered and offered registrations), changed by conditional UPDATEs only."""
    waiting_count: Mapped[int] = mapped_column(default=0)
    queue_seq: Mapped[int] = mapped_column(default=0)
    """The last arrival number handed out: registrations are numbered in arrival order."""
    attendance_count: Mapped[int] = mapped_column(default=0)
    """Registrations checked in at the door."""

    closed_at: Mapped[datetime | None]
    minutes: Mapped[dict[str, str] | None]
    attendees_count: Mapped[int | None]
    contributions_count: Mapped[int | None]
    attending_organizations: Mapped[str | None] = mapped_column(Text)
    video_url: Mapped[str | None] = mapped_column(String(500))
    audio_url: Mapped[str | None] = mapped_column(String(500))
    closing_visible: Mapped[bool] = mapped_column(default=True)

    reminders_sent_at: Mapped[datetime | None]
    """When registrants were reminded (claimed by a conditional UPDATE: once, whatever the processes)."""
    fill_alert_sent_at: Mapped[datetime | None]
    close_reminder_sent_at: Mapped[datetime | None]


class AgendaItem(IdMixin, CommuneScopedMixin, Base):
    """One point of a meeting's agenda; items nest two levels (an item and its sub-items)."""

    __tablename__ = "agenda_agenda_item"
    __table_args__ = (
        CheckConstraint("duration_minutes >= 0", name="duration"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_agenda_agenda_item_meeting_position", "meeting_id", "parent_id", "position"),
    )

    meeting_id: Mapped[uuid.UUID] = _meeting_fk()
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("agenda_agenda_item.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    duration_minutes: Mapped[int] = mapped_column(default=0)


class Registration(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A person's registration for a meeting: a place, or a number in the waiting list."""

    __tablename__ = "agenda_registration"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        UniqueConstraint("commune_id", "code"),
        UniqueConstraint("meeting_id", "number"),
        CheckConstraint(_in("status", REGISTRATION_STATUSES), name="status"),
        Index("ix_agenda_registration_queue", "meeting_id", "status", "number"),
    )

    meeting_id: Mapped[uuid.UUID] = _meeting_fk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL"), index=True
    )
    """Null once the person's account is erased (the registration still counts)."""
    status: Mapped[str] = mapped_column(String(12))
    number: Mapped[int]
    """Arrival order within the meeting (from ``Meeting.queue_seq``): the waiting list's order."""
    code: Mapped[str] = mapped_column(String(16))
    """Short, unambiguous check-in code shown to the registrant (and encoded in their QR code)."""
    public_participation: Mapped[bool] = mapped_column(default=False)
    """The registrant agrees to appear in the meeting's public list of participants."""
    terms_accepted_at: Mapped[datetime | None]
    offered_until: Mapped[datetime | None]
    """A freed place is held for an ``offered`` registration until then."""
    confirmed_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    checked_in_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL")
    )
    cancelled_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 of the ``Idempotency-Key`` the registration was made with: a retry with it is a replay."""


class Invite(IdMixin, CommuneScopedMixin, Base):
    """An invitation to a meeting, to an account or to an e-mail address, accepted or declined."""

    __tablename__ = "agenda_invite"
    __table_args__ = (
        UniqueConstraint("meeting_id", "user_id"),
        UniqueConstraint("meeting_id", "email"),
        CheckConstraint(_in("status", INVITE_STATUSES), name="status"),
        CheckConstraint("user_id IS NOT NULL OR email IS NOT NULL", name="addressee"),
    )

    meeting_id: Mapped[uuid.UUID] = _meeting_fk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str | None] = mapped_column(String(320))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    """SHA-256 of the secret sent to an e-mail address, to accept or decline without an account."""
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]


class CalendarToken(IdMixin, CommuneScopedMixin, Base):
    """The secret of a person's calendar feed of their registrations (revocable; only its hash is kept).
    One per person and commune: a new secret replaces the previous one."""

    __tablename__ = "agenda_calendar_token"
    __table_args__ = (UniqueConstraint("commune_id", "user_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class KnownProposal(IdMixin, CommuneScopedMixin, Base):
    """A proposal of the commune as the proposals module's events described it (never its tables): what a
    closing may name among the proposals discussed, and the title it shows for each."""

    __tablename__ = "agenda_known_proposal"
    __table_args__ = (UniqueConstraint("commune_id", "proposal_id"),)

    proposal_id: Mapped[uuid.UUID]
    component_id: Mapped[uuid.UUID]
    process_id: Mapped[uuid.UUID]
    reference: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[dict[str, str]]
    withdrawn: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


MODELS: list[type[Any]] = [Meeting, AgendaItem, Registration, Invite, CalendarToken, KnownProposal]
