"""Identity's part of the personal-data rights: what it holds about a person, and how it forgets them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import event_store
from civicapi.identity.models import User
from civicapi.identity.repository import ApiKeyRepository
from civicapi.identity.repository_tokens import RefreshTokenRepository
from civicapi.identity.service import MAIL_EVENT
from civicapi.identity.verification.repository import detach_verifications, verifications_of_person


async def export_identity(session: AsyncSession, user: User) -> dict[str, Any]:
    verifications = await verifications_of_person(session, user.id)
    sessions = await RefreshTokenRepository(session).sessions_of(user.id)
    keys = await ApiKeyRepository(session).created_by(user.id)
    return {
        "account": {
            "id": str(user.id),
            "email": user.email,
            "display_name": user.display_name,
            "locale": user.locale,
            "email_confirmed_at": user.email_confirmed_at.isoformat() if user.email_confirmed_at else None,
            "is_platform_admin": user.is_platform_admin,
            "created_at": user.created_at.isoformat(),
        },
        "verifications": [
            {
                "commune_id": str(v.commune_id),
                "handler": v.handler,
                "status": v.status,
                "metadata": v.meta,
                "granted_at": v.granted_at.isoformat(),
                "expires_at": v.expires_at.isoformat() if v.expires_at else None,
                "revoked_at": v.revoked_at.isoformat() if v.revoked_at else None,
            }
            for v in verifications
        ],
        "sessions": [
            {
                "created_at": s.created_at.isoformat(),
                "expires_at": s.expires_at.isoformat(),
                "revoked_at": s.revoked_at.isoformat() if s.revoked_at else None,
            }
            for s in sessions
        ],
        "api_keys_created": [
            {"commune_id": str(k.commune_id), "name": k.name, "created_at": k.created_at.isoformat()}
            for k in keys
        ],
    }


async def erase_identity(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Delete the account. Verifications are detached, not deleted: their identity key (a keyed hash, not
    the identifier) keeps blocking a second account of the same resident, so erasing an account cannot be
    used to vote twice; the metadata (district, age...) goes. A commune admin can free the identity."""
    await detach_verifications(session, user_id)
    user = await session.get(User, user_id)
    if user is not None:
        # Mail to the account still waiting in the event outbox (its mailer failed) is not sent any more.
        email = user.email.lower()
        await event_store.discard(
            session, MAIL_EVENT, lambda payload: str(payload.get("to", "")).lower() == email
        )
        await session.delete(user)
    await session.flush()
