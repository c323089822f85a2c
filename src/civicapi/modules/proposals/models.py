"""Tables of the proposals module (``proposals_*``). Foreign keys go only to own and platform tables.

Counters that concurrent requests change (a proposal's supports, a person's supports and proposals in a
component, the reference sequence) are changed by conditional ``UPDATE``s, never read-modify-written, and
one person supports one proposal once by a unique constraint.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civicapi.core.db.base import Base, CommuneScopedMixin, IdMixin, TimestampMixin, utcnow

DRAFT = "draft"
PUBLISHED = "published"
WITHDRAWN = "withdrawn"
STATUSES = (DRAFT, PUBLISHED, WITHDRAWN)


def _component_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("spaces_component.id", ondelete="CASCADE"))


def _proposal_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("proposals_proposal.id", ondelete="CASCADE"), index=True)


class Proposal(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A proposal of a component. ``state`` is the *published* answer state, what the public sees;
    ``answer_state`` is the latest answer, published or held."""

    __tablename__ = "proposals_proposal"
    __table_args__ = (
        UniqueConstraint("commune_id", "reference"),
        CheckConstraint("status IN ('draft', 'published', 'withdrawn')", name="status"),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude"),
        CheckConstraint("supports_count >= 0 AND pending_supports_count >= 0", name="supports"),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost"),
        # Keyset pages read these backwards and stop after one page: the id (the tie-breaker of every
        # sort) is part of the index, so no sort step is ever needed, whatever the planner estimates.
        Index("ix_proposals_proposal_recent", "component_id", "status", "published_at", "id"),
        Index("ix_proposals_proposal_supported", "component_id", "status", "supports_count", "id"),
    )

    component_id: Mapped[uuid.UUID] = _component_fk()
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    reference: Mapped[str | None] = mapped_column(String(40))
    """``<commune prefix>-PROP-<year>-<sequence>``, given when the proposal is published."""
    title: Mapped[dict[str, str]]
    body: Mapped[dict[str, str]]
    search_text: Mapped[str] = mapped_column(Text, default="", deferred=True, deferred_raiseload=True)
    """Title, body and reference, case- and accent-folded: what the text filter searches (written, never
    loaded)."""
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    category: Mapped[str | None] = mapped_column(String(60))
    district: Mapped[str | None] = mapped_column(String(60))
    official: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL"), index=True
    )
    """Whose proposal limit this proposal counts against (null for official and imported ones)."""
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    state: Mapped[str | None] = mapped_column(String(40))
    answer_state: Mapped[str | None] = mapped_column(String(40))
    answer_text: Mapped[dict[str, Any] | None]
    cost: Mapped[int | None] = mapped_column(BigInteger)
    cost_explanation: Mapped[dict[str, Any] | None]
    execution_period: Mapped[dict[str, Any] | None]
    answered_at: Mapped[datetime | None]
    answer_published_at: Mapped[datetime | None]

    supports_count: Mapped[int] = mapped_column(default=0)
    """Supports that count (their givers reached the component's minimum)."""
    pending_supports_count: Mapped[int] = mapped_column(default=0)
    comments_count: Mapped[int] = mapped_column(default=0)
    random_key: Mapped[int] = mapped_column(BigInteger, default=0)
    """Uniform random number drawn at creation: ``sort=random`` orders by a seeded permutation of it."""

    authorships: Mapped[list[Authorship]] = relationship(
        lazy="raise",
        order_by="(Authorship.position, Authorship.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Authorship(IdMixin, CommuneScopedMixin, Base):
    """An author of a proposal. ``user_id`` becomes null when the account goes; ``display_name`` is a
    snapshot of the public name, blanked when the person asks for erasure ("deleted participant")."""

    __tablename__ = "proposals_authorship"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    proposal_id: Mapped[uuid.UUID] = _proposal_fk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Support(IdMixin, CommuneScopedMixin, Base):
    """One person's support of one proposal (the unique constraint makes it one). ``counted`` is false
    while the person has given fewer supports than the component's minimum."""

    __tablename__ = "proposals_support"
    __table_args__ = (
        UniqueConstraint("proposal_id", "user_id"),
        Index("ix_proposals_support_component_user", "component_id", "user_id"),
    )

    component_id: Mapped[uuid.UUID] = _component_fk()
    proposal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("proposals_proposal.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identity_user.id", ondelete="SET NULL"))
    counted: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Participation(IdMixin, CommuneScopedMixin, Base):
    """A person's tallies in one component, changed only by conditional updates: the row that serialises
    one person's concurrent supports and proposals, and enforces their limits."""

    __tablename__ = "proposals_participation"
    __table_args__ = (
        UniqueConstraint("component_id", "user_id"),
        CheckConstraint("supports_count >= 0 AND proposals_count >= 0", name="counts"),
    )

    component_id: Mapped[uuid.UUID] = _component_fk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    supports_count: Mapped[int] = mapped_column(default=0)
    proposals_count: Mapped[int] = mapped_column(default=0)


class CustomState(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A state an administrator added to a component, besides the built-in evaluating/accepted/rejected."""

    __tablename__ = "proposals_state"
    __table_args__ = (UniqueConstraint("component_id", "token"),)

    component_id: Mapped[uuid.UUID] = _component_fk()
    token: Mapped[str] = mapped_column(String(40))
    name: Mapped[dict[str, str]]
    allows_supports: Mapped[bool] = mapped_column(default=True)
    accepted: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)


class Criterion(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """One line of a component's eligibility grid ("grille de critères de recevabilité")."""

    __tablename__ = "proposals_criterion"
    __table_args__ = (Index("ix_proposals_criterion_component", "component_id", "position"),)

    component_id: Mapped[uuid.UUID] = _component_fk()
    label: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)


class ValuatorAssignment(IdMixin, CommuneScopedMixin, Base):
    """A valuator assigned to review a proposal."""

    __tablename__ = "proposals_valuator_assignment"
    __table_args__ = (UniqueConstraint("proposal_id", "valuator_id"),)

    proposal_id: Mapped[uuid.UUID] = _proposal_fk()
    valuator_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("identity_user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Review(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A valuator's review of a proposal: per criterion met or not with a comment
    (``results``: ``{criterion id: {"met": bool, "comment": str}}``), and private notes."""

    __tablename__ = "proposals_review"
    __table_args__ = (UniqueConstraint("proposal_id", "valuator_id"),)

    proposal_id: Mapped[uuid.UUID] = _proposal_fk()
    valuator_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL"), index=True
    )
    results: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")


class ReferenceCounter(IdMixin, CommuneScopedMixin, Base):
    """The last sequence number given to a proposal reference, per commune and year."""

    __tablename__ = "proposals_reference_counter"
    __table_args__ = (UniqueConstraint("commune_id", "year"),)

    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)


class Discussion(IdMixin, CommuneScopedMixin, Base):
    """A meeting where a proposal was discussed, as the agenda module's ``agenda.meeting_closed`` events
    described it (never its tables): what "discussed at" shows."""

    __tablename__ = "proposals_discussion"
    __table_args__ = (UniqueConstraint("proposal_id", "meeting_id"),)

    proposal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("proposals_proposal.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[uuid.UUID]
    meeting_component_id: Mapped[uuid.UUID]
    title: Mapped[dict[str, str]]
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    closed_at: Mapped[datetime]
    public: Mapped[bool] = mapped_column(default=True)
    """The meeting's closing is shown to everyone; otherwise the discussion is kept but not listed."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


MODELS: tuple[type[Base], ...] = (
    Proposal,
    Authorship,
    Support,
    Participation,
    CustomState,
    Criterion,
    ValuatorAssignment,
    Review,
    ReferenceCounter,
    Discussion,
)
