"""Tables of the budgets module (``budgets_*``). Foreign keys go only to own and platform tables.

One person, one vote is a database rule: ``budgets_voter`` (the register of who takes part) has one row per
verified identity and budget, and one per identity and workflow slot of the component; a ballot's running
totals change by conditional ``UPDATE``s, never read-modify-written. Ballot secrecy: while the vote is open,
a register row points to its ballot; closing the vote deletes that pointer and re-issues every ballot under
a new random id in a random order (``docs/modules/budgets.md``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from civicapi.core.db.base import Base, CommuneScopedMixin, IdMixin, TimestampMixin, utcnow

DRAFT = "draft"
CHECKED_OUT = "checked_out"
SEALED = "sealed"
"""Ballot statuses: being built, cast (still linked to its voter), in the closed urn (anonymous)."""
ONLINE = "online"
PAPER = "paper"
VOTED = "voted"
"""Register statuses: ``draft`` (a ballot in progress) and ``voted``."""


def _component_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("spaces_component.id", ondelete="CASCADE"), index=True)


def _budget_fk(*, index: bool = True) -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("budgets_budget.id", ondelete="CASCADE"), index=index)


def _user_fk() -> Mapped[uuid.UUID | None]:
    return mapped_column(ForeignKey("identity_user.id", ondelete="SET NULL"))


class Budget(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A budget put to the vote inside a component (city-wide, or restricted to one district)."""

    __tablename__ = "budgets_budget"
    __table_args__ = (CheckConstraint("total_amount >= 0", name="total_amount"),)

    component_id: Mapped[uuid.UUID] = _component_fk()
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    total_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    district: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)
    origin: Mapped[str] = mapped_column(String(10), default="native")
    """``native`` (voted here) or ``pabulib`` (imported with its ballots)."""
    closed_at: Mapped[datetime | None]
    """When the vote was closed: ballots sealed, unlinked from voters, export published."""
    ballots_sha256: Mapped[str | None] = mapped_column(String(64))
    results_published_at: Mapped[datetime | None]
    results: Mapped[dict[str, Any] | None]
    """The published outcome (rule, per-project explanations), copied from the count run."""
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Pabulib META of an imported budget, as text."""


class Project(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A project of a budget. ``number`` is its public short id (Pabulib ``project_id`` unless imported
    with another one, kept in ``external_id``)."""

    __tablename__ = "budgets_project"
    __table_args__ = (
        UniqueConstraint("budget_id", "number"),
        UniqueConstraint("component_id", "source_proposal_id"),
        CheckConstraint("cost >= 0", name="cost"),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="longitude"),
        Index("ix_budgets_project_budget_position", "budget_id", "position"),
    )

    component_id: Mapped[uuid.UUID] = _component_fk()
    budget_id: Mapped[uuid.UUID] = _budget_fk(index=False)
    number: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    cost: Mapped[int] = mapped_column(BigInteger)
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    category: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)
    selected: Mapped[bool | None]
    """Set when results are published: funded or not; null before."""
    source_proposal_id: Mapped[uuid.UUID | None]
    """The proposal it was imported from (the link itself is a core resource link)."""
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Other Pabulib columns of an imported project, as text."""

    @property
    def code(self) -> str:
        return self.external_id or str(self.number)


class Ballot(IdMixin, CommuneScopedMixin, Base):
    """A ballot. Its totals are kept by conditional updates, so racing additions never pass the caps.

    No timestamp and no person: what links a ballot to its voter while the vote is open is the register
    row's ``ballot_id``, erased when the vote closes."""

    __tablename__ = "budgets_ballot"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'checked_out', 'sealed')", name="status"),
        CheckConstraint("channel IN ('online', 'paper')", name="channel"),
        CheckConstraint("total_cost >= 0 AND points_total >= 0 AND projects_count >= 0", name="totals"),
        Index("ix_budgets_ballot_budget_status", "budget_id", "status", "position"),
    )

    budget_id: Mapped[uuid.UUID] = _budget_fk(index=False)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    channel: Mapped[str] = mapped_column(String(10), default=ONLINE)
    total_cost: Mapped[int] = mapped_column(BigInteger, default=0)
    points_total: Mapped[int] = mapped_column(default=0)
    projects_count: Mapped[int] = mapped_column(default=0)
    position: Mapped[int | None]
    """Order in the sealed urn (random), the Pabulib voter order."""
    voter_ref: Mapped[str | None] = mapped_column(String(64))
    """Pabulib ``voter_id`` of a sealed ballot."""
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Pabulib voter columns of an imported ballot, as text."""


class BallotItem(CommuneScopedMixin, Base):
    """A project on a ballot: 1 point for knapsack and approval ballots, the points given otherwise."""

    __tablename__ = "budgets_ballot_item"
    __table_args__ = (
        CheckConstraint("points > 0", name="points"),
        Index("ix_budgets_ballot_item_project_id", "project_id"),
    )

    ballot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("budgets_ballot.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("budgets_project.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int] = mapped_column(default=1)


class Voter(IdMixin, CommuneScopedMixin, Base):
    """The register: one identity takes part in one budget once (``voter_key``: the keyed hash of the
    verified identity, the same for every account and channel of a person) and holds one workflow slot
    of the component per row (``one``: a single slot for the whole component)."""

    __tablename__ = "budgets_voter"
    __table_args__ = (
        UniqueConstraint("budget_id", "voter_key"),
        UniqueConstraint("component_id", "voter_key", "slot"),
        UniqueConstraint("budget_id", "user_id"),
        UniqueConstraint("ballot_id"),
        CheckConstraint("status IN ('draft', 'voted')", name="status"),
        CheckConstraint("channel IN ('online', 'paper')", name="channel"),
        Index("ix_budgets_voter_user_id", "user_id"),
    )

    component_id: Mapped[uuid.UUID] = _component_fk()
    budget_id: Mapped[uuid.UUID] = _budget_fk(index=False)
    voter_key: Mapped[str] = mapped_column(String(64))
    slot: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[uuid.UUID | None] = _user_fk()
    ballot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("budgets_ballot.id", ondelete="SET NULL"))
    """The ballot, while the vote is open; null once it is closed (secrecy)."""
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    channel: Mapped[str] = mapped_column(String(10), default=ONLINE)
    entered_by_user_id: Mapped[uuid.UUID | None] = _user_fk()
    """The staff member who recorded a paper ballot."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    voted_at: Mapped[datetime | None]


class IdempotencyRecord(IdMixin, CommuneScopedMixin, Base):
    """The first successful answer to a request sent with an ``Idempotency-Key`` (deleted at close)."""

    __tablename__ = "budgets_idempotency_key"
    __table_args__ = (UniqueConstraint("budget_id", "owner", "key"),)

    budget_id: Mapped[uuid.UUID] = _budget_fk(index=False)
    owner: Mapped[str] = mapped_column(String(80))
    """``user:<id>`` of who sent it."""
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[str] = mapped_column(Text)
    """The JSON body sent, byte for byte."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BallotExport(CommuneScopedMixin, Base):
    """The anonymised ballots as a Pabulib file, published when the vote closes, with its SHA-256."""

    __tablename__ = "budgets_ballot_export"

    budget_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("budgets_budget.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CountRun(IdMixin, CommuneScopedMixin, Base):
    """One count of a closed vote: ``queued`` → ``running`` → ``done`` or ``failed``."""

    __tablename__ = "budgets_count_run"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
        Index("ix_budgets_count_run_budget_created", "budget_id", "created_at"),
    )

    budget_id: Mapped[uuid.UUID] = _budget_fk(index=False)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    rule: Mapped[str] = mapped_column(String(20))
    compare_with_greedy: Mapped[bool] = mapped_column(default=False)
    publish: Mapped[bool] = mapped_column(default=True)
    ballots_sha256: Mapped[str] = mapped_column(String(64))
    """Digest of the export that was counted."""
    requested_by_user_id: Mapped[uuid.UUID | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    """Last sign of life of the process counting a background run (a run without one for a while was
    abandoned: see ``results.service.abandoned``)."""
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]


class ProposalCandidate(IdMixin, CommuneScopedMixin, Base):
    """What the budgets module knows of a proposal, from the proposals module's events (never its tables)."""

    __tablename__ = "budgets_proposal_candidate"
    __table_args__ = (
        UniqueConstraint("commune_id", "proposal_id"),
        Index("ix_budgets_proposal_candidate_process", "process_id", "accepted"),
    )

    proposal_id: Mapped[uuid.UUID]
    source_component_id: Mapped[uuid.UUID]
    process_id: Mapped[uuid.UUID]
    reference: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[dict[str, str]]
    body: Mapped[dict[str, str]] = mapped_column(default=dict)
    category: Mapped[str | None] = mapped_column(String(60))
    district: Mapped[str | None] = mapped_column(String(60))
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    state: Mapped[str | None] = mapped_column(String(40))
    accepted: Mapped[bool] = mapped_column(default=False)
    withdrawn: Mapped[bool] = mapped_column(default=False)
    cost: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class VoteReminder(IdMixin, CommuneScopedMixin, Base):
    """The reminders sent to an account whose ballot in a component is not finished (at most one a day
    and :data:`~civicapi.modules.budgets.reminders.service.REMINDER_AGES` in all). It names neither the
    budget nor the ballot; erasing the account deletes it."""

    __tablename__ = "budgets_vote_reminder"
    __table_args__ = (
        UniqueConstraint("component_id", "user_id"),
        CheckConstraint("sent_count > 0", name="sent_count"),
    )

    component_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("spaces_component.id", ondelete="CASCADE"), index=False
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    sent_count: Mapped[int]
    last_sent_at: Mapped[datetime]


MODELS: tuple[type[Base], ...] = (
    Budget,
    Project,
    Ballot,
    BallotItem,
    Voter,
    IdempotencyRecord,
    BallotExport,
    CountRun,
    ProposalCandidate,
    VoteReminder,
)
