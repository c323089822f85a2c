from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from civicapi.core.db.base import Base, IdMixin, TimestampMixin, utcnow


class User(IdMixin, TimestampMixin, Base):
    """A person's account. Accounts are platform-wide; people join communes as members."""

    __tablename__ = "identity_user"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    email_confirmed_at: Mapped[datetime | None]
    sessions_revoked_at: Mapped[datetime | None]
    """Access tokens issued before this instant are refused (password change or reset, erasure)."""

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class RefreshToken(IdMixin, Base):
    """A rotating refresh token, stored hashed. Tokens rotated from one login share a ``family_id``: a
    rotated token presented again means it leaked, and the whole family is revoked."""

    __tablename__ = "identity_refresh_token"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class OneTimeToken(IdMixin, Base):
    """Single-use, expiring token sent by mail (email confirmation, password reset), stored hashed."""

    __tablename__ = "identity_one_time_token"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RevokedAccessToken(Base):
    """Access tokens revoked before they expire (logout). Rows can be purged once ``expires_at`` passed."""

    __tablename__ = "identity_revoked_access_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ApiKey(IdMixin, Base):
    """An integrator's key, bound to one commune, scoped, stored hashed and shown once."""

    __tablename__ = "identity_api_key"
    __table_args__ = (Index("ix_identity_api_key_commune_id", "commune_id"),)

    commune_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("communes_commune.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]]
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
