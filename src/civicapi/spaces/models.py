from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civicapi.core.db.base import Base, CommuneScopedMixin, IdMixin, TimestampMixin

_DATES_ORDERED = "start_date IS NULL OR end_date IS NULL OR end_date >= start_date"


class ParticipatoryProcess(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A participatory process (e.g. "Budget participatif 2026"): ordered phases and module components.

    Invisible to the public until published (``published_at`` set)."""

    __tablename__ = "spaces_process"
    __table_args__ = (
        UniqueConstraint("commune_id", "slug"),
        CheckConstraint(_DATES_ORDERED, name="dates_ordered"),
    )

    slug: Mapped[str] = mapped_column(String(63))
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    published_at: Mapped[datetime | None]
    active_phase_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("spaces_phase.id", ondelete="SET NULL", use_alter=True)
    )
    """Admin override of the active phase; when null the phase is chosen by its dates."""

    phases: Mapped[list[Phase]] = relationship(
        lazy="raise",
        back_populates="process",
        foreign_keys="Phase.process_id",
        order_by="(Phase.position, Phase.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    components: Mapped[list[Component]] = relationship(
        lazy="raise",
        back_populates="process",
        order_by="(Component.position, Component.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Phase(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A step of a process. Its dates are calendar days in the commune's time zone, both inclusive."""

    __tablename__ = "spaces_phase"
    __table_args__ = (CheckConstraint("end_date >= start_date", name="dates_ordered"),)

    process_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("spaces_process.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    start_date: Mapped[date]
    end_date: Mapped[date]

    process: Mapped[ParticipatoryProcess] = relationship(
        lazy="raise", back_populates="phases", foreign_keys=[process_id]
    )


class Component(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """One instance of a module inside a process, with settings and per-phase step settings.

    ``settings`` is validated by the module's ``component_settings_schema``; ``step_settings`` maps a phase
    id (string) of the same process to settings validated by the module's ``step_settings_schema``."""

    __tablename__ = "spaces_component"
    __table_args__ = (Index("ix_spaces_component_commune_id_module_key", "commune_id", "module_key"),)

    process_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("spaces_process.id", ondelete="CASCADE"), index=True
    )
    module_key: Mapped[str] = mapped_column(String(30))
    name: Mapped[dict[str, str]]
    position: Mapped[int] = mapped_column(default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    step_settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    published_at: Mapped[datetime | None]

    process: Mapped[ParticipatoryProcess] = relationship(lazy="raise", back_populates="components")
