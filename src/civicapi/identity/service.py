"""Account use cases: registration, confirmation, login, refresh, logout, password change and reset.

Services never commit: the request's unit of work does. Mail leaves through the event bus after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.config import Settings
from civicapi.core.db.base import utcnow
from civicapi.core.errors import Conflict, InvalidInput, Unauthorized
from civicapi.core.events import Event, EventBus
from civicapi.core.security import TokenService, hash_password_off_loop, verify_password_off_loop
from civicapi.identity import tokens
from civicapi.identity.models import User
from civicapi.identity.repository import UserRepository

MAIL_EVENT = "identity.mail"
CONFIRM_EMAIL = "confirm_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose name, not a secret


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
    confirmed: bool = True,
) -> User:
    repo = UserRepository(session)
    email = normalize_email(email)
    if await repo.by_email(email) is not None:
        raise Conflict("an account with this email exists", reason="email_taken")
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=await hash_password_off_loop(password) if password else None,
        locale=locale,
        is_platform_admin=is_platform_admin,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    repo.add(user)
    await repo.flush()
    return user


def queue_mail(session: AsyncSession, to: str, subject: str, body: str) -> None:
    """Send a mail once the unit of work commits (the event outbox; nothing on rollback)."""
    EventBus.publish(session, Event(MAIL_EVENT, None, {"to": to, "subject": subject, "body": body}))


async def register(
    session: AsyncSession, settings: Settings, *, email: str, display_name: str, password: str, locale: str
) -> User:
    user = await create_user(
        session, email=email, display_name=display_name, password=password, locale=locale, confirmed=False
    )
    token = await tokens.issue_one_time_token(
        session, user, purpose=CONFIRM_EMAIL, ttl=timedelta(hours=settings.email_confirmation_ttl_hours)
    )
    queue_mail(
        session,
        user.email,
        "Confirm your email address",
        f"Hello {user.display_name},\n\nConfirm your address with this code: {token}\n"
        f"or open {settings.public_url}/confirm-email?token={token}\n",
    )
    return user


async def register_at_desk(
    session: AsyncSession, settings: Settings, *, email: str, display_name: str, locale: str
) -> User:
    """An account a staff member opens for a resident at the desk: no password yet; the mailed code sets
    one (``/v1/auth/password/reset``), which also confirms the address."""
    user = await create_user(
        session, email=email, display_name=display_name, password=None, locale=locale, confirmed=False
    )
    ttl_hours = settings.email_confirmation_ttl_hours
    token = await tokens.issue_one_time_token(
        session, user, purpose=RESET_PASSWORD, ttl=timedelta(hours=ttl_hours)
    )
    queue_mail(
        session,
        user.email,
        "Your account: choose a password",
        f"Hello {user.display_name},\n\nAn account was opened for you at the desk.\n"
        f"Choose your password with this code: {token}\n"
        f"or open {settings.public_url}/reset-password?token={token}\n"
        f"It expires in {ttl_hours} hours and works once.\n",
    )
    return user


async def confirm_email(session: AsyncSession, token: str) -> None:
    user_id = await tokens.consume_one_time_token(session, token, purpose=CONFIRM_EMAIL)
    user = await UserRepository(session).get(user_id) if user_id else None
    if user is None:
        raise InvalidInput("the confirmation code is invalid, used or expired", reason="invalid_token")
    user.email_confirmed_at = user.email_confirmed_at or utcnow()


async def authenticate(session: AsyncSession, *, email: str, password: str) -> User:
    """The user with these credentials, or 401. Takes the same time whether the account exists or not."""
    user = await UserRepository(session).by_email(normalize_email(email))
    ok = await verify_password_off_loop(password, user.password_hash if user else None)
    if not ok or user is None or not user.is_active:
        raise Unauthorized("wrong email or password")
    return user


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


async def start_session(
    session: AsyncSession, settings: Settings, access: TokenService, user: User
) -> TokenPair:
    token, _exp = access.issue(str(user.id))
    refresh = await tokens.issue_refresh_token(
        session, user, ttl=timedelta(days=settings.refresh_token_ttl_days)
    )
    return TokenPair(token, refresh, int(access.ttl.total_seconds()))


async def refresh_session(
    session: AsyncSession, settings: Settings, access: TokenService, refresh_token: str
) -> TokenPair | tokens.Rotation:
    """A new pair, or the failed :class:`Rotation` (the caller answers 401 after committing revocations)."""
    rotation = await tokens.rotate_refresh_token(
        session, refresh_token, ttl=timedelta(days=settings.refresh_token_ttl_days)
    )
    if rotation.user_id is None or rotation.new_token is None:
        return rotation
    token, _exp = access.issue(str(rotation.user_id))
    return TokenPair(token, rotation.new_token, int(access.ttl.total_seconds()))


async def change_password(session: AsyncSession, user: User, *, current: str, new: str) -> None:
    if not await verify_password_off_loop(current, user.password_hash):
        raise InvalidInput(
            "the current password is wrong",
            reason="wrong_password",
            errors=[
                {
                    "location": ["body", "current_password"],
                    "message": "wrong password",
                    "code": "wrong_password",
                }
            ],
        )
    user.password_hash = await hash_password_off_loop(new)
    await tokens.revoke_all_sessions(session, user)


async def request_password_reset(session: AsyncSession, settings: Settings, email: str) -> None:
    """Mail a reset code if the account exists; answer the same either way (no account enumeration)."""
    user = await UserRepository(session).by_email(normalize_email(email))
    if user is None or not user.is_active:
        return
    token = await tokens.issue_one_time_token(
        session, user, purpose=RESET_PASSWORD, ttl=timedelta(minutes=settings.password_reset_ttl_minutes)
    )
    queue_mail(
        session,
        user.email,
        "Reset your password",
        f"Hello {user.display_name},\n\nReset your password with this code: {token}\n"
        f"or open {settings.public_url}/reset-password?token={token}\n"
        f"It expires in {settings.password_reset_ttl_minutes} minutes and works once.\n",
    )


async def reset_password(session: AsyncSession, *, token: str, new_password: str) -> None:
    user_id = await tokens.consume_one_time_token(session, token, purpose=RESET_PASSWORD)
    user = await UserRepository(session).get(user_id) if user_id else None
    if user is None:
        raise InvalidInput("the reset code is invalid, used or expired", reason="invalid_token")
    user.password_hash = await hash_password_off_loop(new_password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()  # the mail reached them
    await tokens.revoke_all_sessions(session, user)


async def update_profile(session: AsyncSession, user: User, changes: dict[str, object]) -> User:
    for key, value in changes.items():
        if value is None:
            raise InvalidInput(
                f"{key} cannot be null",
                errors=[{"location": ["body", key], "message": "cannot be null", "code": "null"}],
            )
        setattr(user, key, value)
    user.updated_at = utcnow()
    await session.flush()
    return user
