"""Account use cases. Services never commit: the request's unit of work does."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.errors import Conflict, Unauthorized
from civicapi.core.security import TokenService, hash_password, verify_password
from civicapi.identity.models import User
from civicapi.identity.repository import UserRepository


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    password: str | None,
    locale: str = "fr",
    is_platform_admin: bool = False,
) -> User:
    repo = UserRepository(session)
    email = normalize_email(email)
    if await repo.by_email(email) is not None:
        raise Conflict("an account with this email exists", reason="email_taken")
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password) if password else None,
        locale=locale,
        is_platform_admin=is_platform_admin,
    )
    repo.add(user)
    await repo.flush()
    return user


async def authenticate(session: AsyncSession, *, email: str, password: str) -> User:
    """The user with these credentials, or 401. Takes the same time whether the account exists or not."""
    user = await UserRepository(session).by_email(normalize_email(email))
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.is_active:
        raise Unauthorized("wrong email or password")
    return user


def issue_access_token(tokens: TokenService, user: User) -> tuple[str, int]:
    token, _exp = tokens.issue(str(user.id))
    return token, int(tokens.ttl.total_seconds())
