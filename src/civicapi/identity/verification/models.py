"""Tables of resident verification. Identifiers and birth dates are stored only as keyed hashes."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from civicapi.core.db.base import Base, CommuneScopedMixin, IdMixin, utcnow


class VerificationStatus(StrEnum):
    granted = "granted"
    revoked = "revoked"


_GRANTED = text("status = 'granted'")

IDENTITY_INDEX = "uq_identity_verification_identity_granted"
"""One identity verifies only one account per commune and handler (among granted verifications)."""
USER_INDEX = "uq_identity_verification_user_granted"
"""One granted verification per account, commune and handler."""


class Verification(IdMixin, CommuneScopedMixin, Base):
    """A person's account verified by one handler in one commune."""

    __tablename__ = "identity_verification"
    __table_args__ = (
        Index(
            IDENTITY_INDEX,
            "commune_id",
            "handler",
            "identity_key",
            unique=True,
            postgresql_where=_GRANTED,
            sqlite_where=_GRANTED,
        ),
        Index(
            USER_INDEX,
            "commune_id",
            "user_id",
            "handler",
            unique=True,
            postgresql_where=_GRANTED,
            sqlite_where=_GRANTED,
        ),
        Index("ix_identity_verification_user_id", "user_id"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"))
    """Null once the account is erased: the row keeps the identity bound without naming the person."""
    handler: Mapped[str] = mapped_column(String(64))
    identity_key: Mapped[str] = mapped_column(String(64))
    """HMAC-SHA256 (hex) of the commune and the normalised identifier; never the identifier itself."""
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    """Coarse facts used by requirements: district, postal_code, birth_year."""
    status: Mapped[str] = mapped_column(String(10), default=VerificationStatus.granted.value)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    verified_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL")
    )
    """The staff member who verified the person at the desk."""
    revoked_by_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL")
    )

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class CensusEntry(IdMixin, CommuneScopedMixin, Base):
    """One resident of the commune's census (padrón), as hashes plus the coarse facts requirements use."""

    __tablename__ = "identity_census_entry"
    __table_args__ = (UniqueConstraint("commune_id", "identity_key"),)

    identity_key: Mapped[str] = mapped_column(String(64))
    birth_date_hash: Mapped[str] = mapped_column(String(64))
    """HMAC-SHA256 (hex) of the commune, the normalised identifier and the birth date."""
    district: Mapped[str | None] = mapped_column(String(120))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    birth_year: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
