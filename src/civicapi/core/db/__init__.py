"""Database layer: declarative base, engine and session, repositories."""

from civicapi.core.db.base import Base, CommuneScopedMixin, IdMixin, TimestampMixin, utcnow

__all__ = ["Base", "CommuneScopedMixin", "IdMixin", "TimestampMixin", "utcnow"]
