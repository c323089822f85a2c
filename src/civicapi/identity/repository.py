"""The SQL of accounts and API keys (login sessions: ``repository_tokens.py``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select, update

from civicapi.core.db.repository import Repository
from civicapi.identity.models import ApiKey, User


class UserRepository(Repository[User]):
    model = User
    resource_name = "user"

    async def by_email(self, email: str) -> User | None:
        return await self.first(select(User).where(User.email == email.strip().lower()))


class ApiKeyRepository(Repository[ApiKey]):
    model = ApiKey
    resource_name = "API key"

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        return await self.first(select(ApiKey).where(ApiKey.key_hash == key_hash))

    async def of_commune(self, commune_id: uuid.UUID) -> list[ApiKey]:
        return await self.all(
            select(ApiKey).where(ApiKey.commune_id == commune_id).order_by(ApiKey.created_at, ApiKey.id)
        )

    async def in_commune(self, commune_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        return await self.first(select(ApiKey).where(ApiKey.id == key_id, ApiKey.commune_id == commune_id))

    async def created_by(self, user_id: uuid.UUID) -> list[ApiKey]:
        return await self.all(select(ApiKey).where(ApiKey.created_by_user_id == user_id))

    async def record_use(self, key_id: uuid.UUID, when: datetime) -> None:
        """Move the key's last use forward to ``when`` (never back: uses are written out of order)."""
        await self.session.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id, or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < when))
            .values(last_used_at=when)
        )
