"""Tables of the accountability module (``accountability_*``). Foreign keys go only to own and platform
tables: a result never points at a budgets project or a proposal by foreign key, it is linked to them
through the core's resource links (``core_resource_link``).

Results form a tree inside one component (a project and its sub-works). A parent's ``progress`` is the
weighted mean of its children's, kept by the roll-up (``rollup.py``) in the same unit of work as the
change that moved it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civicapi.core.db.base import Base, CommuneScopedMixin, IdMixin, TimestampMixin, utcnow

_LATITUDE = "latitude IS NULL OR (latitude >= -90 AND latitude <= 90)"
_LONGITUDE = "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)"


def _component_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("spaces_component.id", ondelete="CASCADE"), index=True)


class Status(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A status results of one component may take ("planned", "works in progress", "done"...).

    Choosing a status whose ``progress`` is set also sets the progress of a result without children."""

    __tablename__ = "accountability_status"
    __table_args__ = (
        UniqueConstraint("component_id", "key"),
        CheckConstraint("progress IS NULL OR (progress >= 0 AND progress <= 100)", name="progress"),
    )

    component_id: Mapped[uuid.UUID] = _component_fk()
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    progress: Mapped[float | None]
    position: Mapped[int] = mapped_column(default=0)


class Result(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A result: what the commune does to carry out a voted project, and how far it is."""

    __tablename__ = "accountability_result"
    __table_args__ = (
        UniqueConstraint("component_id", "external_id"),
        UniqueConstraint("component_id", "source_project_id"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        CheckConstraint("weight IS NULL OR weight >= 0", name="weight"),
        CheckConstraint("planned_amount IS NULL OR planned_amount >= 0", name="planned_amount"),
        CheckConstraint("spent_amount IS NULL OR spent_amount >= 0", name="spent_amount"),
        CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR end_date >= start_date", name="dates_ordered"
        ),
        CheckConstraint(_LATITUDE, name="latitude"),
        CheckConstraint(_LONGITUDE, name="longitude"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_accountability_result_component_position", "component_id", "position"),
        # The summary: counts by status read this covering index; top-level results are found directly.
        Index(
            "ix_accountability_result_component_status",
            "component_id",
            "status_id",
            "parent_id",
            "commune_id",
        ),
        Index("ix_accountability_result_component_parent", "component_id", "parent_id"),
    )

    component_id: Mapped[uuid.UUID] = _component_fk()
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accountability_result.id", ondelete="CASCADE"), index=True
    )
    """The parent result (same component); null for a top-level result. The service refuses to delete a
    result with children; the cascade serves deleting a whole component or commune."""
    reference: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accountability_status.id", ondelete="SET NULL"), index=True
    )
    progress: Mapped[float] = mapped_column(default=0.0)
    """0-100. For a result with children: the weighted mean of theirs (roll-up), never set directly."""
    weight: Mapped[float | None]
    """Its weight in its parent's progress; null counts as 1."""
    external_id: Mapped[str | None] = mapped_column(String(100))
    """Its id in the commune's project-management system (unique in the component)."""
    planned_amount: Mapped[int | None] = mapped_column(BigInteger)
    spent_amount: Mapped[int | None] = mapped_column(BigInteger)
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    category: Mapped[str | None] = mapped_column(String(60))
    district: Mapped[str | None] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(default=0)
    source_project_id: Mapped[uuid.UUID | None]
    """The budgets project it was imported from (the link itself is a core resource link)."""


class Milestone(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A dated entry of a result's public timeline: what happened, when."""

    __tablename__ = "accountability_milestone"
    __table_args__ = (Index("ix_accountability_milestone_result_date", "result_id", "entry_date"),)

    result_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accountability_result.id", ondelete="CASCADE"), index=False
    )
    entry_date: Mapped[date]
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)


class ProjectCandidate(IdMixin, CommuneScopedMixin, Base):
    """A budgets project selected by a published vote, as the ``budgets.results_published`` event told it.

    The accountability module never reads the budgets module: it keeps what the event said, and imports
    candidates of its own process as results on request (``service_budgets.py``)."""

    __tablename__ = "accountability_project_candidate"
    __table_args__ = (
        UniqueConstraint("commune_id", "project_id"),
        Index("ix_accountability_project_candidate_process", "commune_id", "process_id"),
    )

    project_id: Mapped[uuid.UUID]
    budget_id: Mapped[uuid.UUID]
    source_component_id: Mapped[uuid.UUID]
    process_id: Mapped[uuid.UUID]
    code: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    cost: Mapped[int | None] = mapped_column(BigInteger)
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    category: Mapped[str | None] = mapped_column(String(60))
    district: Mapped[str | None] = mapped_column(String(60))
    proposal_ids: Mapped[list[Any]] = mapped_column(default=list)
    selected: Mapped[bool] = mapped_column(Boolean, default=True)
    """False when a later publication of the budget's results no longer selects it."""
    rank: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


MODELS: tuple[type[Base], ...] = (Status, Result, Milestone, ProjectCandidate)
