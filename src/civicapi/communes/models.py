from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civicapi.core.db.base import Base, IdMixin, TimestampMixin, utcnow


class Commune(IdMixin, TimestampMixin, Base):
    """A municipality: the tenant. Everything a commune owns carries its ``commune_id``."""

    __tablename__ = "communes_commune"

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    locales: Mapped[list[Any]]
    default_locale: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    website_url: Mapped[str | None] = mapped_column(String(500))
    reference_prefix: Mapped[str] = mapped_column(String(12))
    """Short code used in reference numbers of resources, e.g. ``LGE`` in ``LGE-PROP-2026-0042``."""

    modules: Mapped[list[CommuneModule]] = relationship(lazy="raise", back_populates="commune")


class CommuneModule(IdMixin, TimestampMixin, Base):
    """A module as enabled (or disabled) by one commune, with its per-commune settings."""

    __tablename__ = "communes_module"
    __table_args__ = (UniqueConstraint("commune_id", "module_key"),)

    commune_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communes_commune.id", ondelete="CASCADE"), index=True
    )
    module_key: Mapped[str] = mapped_column(String(30))
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled_at: Mapped[datetime] = mapped_column(default=utcnow)

    commune: Mapped[Commune] = relationship(lazy="raise", back_populates="modules")


class Membership(IdMixin, TimestampMixin, Base):
    """A role held by a person in one commune (a person may hold several roles)."""

    __tablename__ = "communes_membership"
    __table_args__ = (UniqueConstraint("commune_id", "user_id", "role"),)

    commune_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communes_commune.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))


class Invitation(IdMixin, Base):
    """An invitation to take a role in a commune, mailed to an address that has no account yet. The code is
    stored hashed; accepting it creates the account (its address confirmed) with the role. One row per
    commune and address: inviting again refreshes it (new code, new expiry, the role asked)."""

    __tablename__ = "communes_invitation"
    __table_args__ = (UniqueConstraint("commune_id", "email"),)

    commune_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("communes_commune.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL")
    )
    invited_by_api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_api_key.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= utcnow() else "pending"
