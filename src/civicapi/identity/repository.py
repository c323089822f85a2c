from __future__ import annotations

from sqlalchemy import select

from civicapi.core.db.repository import Repository
from civicapi.identity.models import User


class UserRepository(Repository[User]):
    model = User
    resource_name = "user"

    async def by_email(self, email: str) -> User | None:
        return await self.first(select(User).where(User.email == email.strip().lower()))
