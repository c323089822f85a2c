"""Invitations: a commune's admin (or an integrator's key with the ``invite`` scope) offers a role to an
address that has no account. The mail carries a one-time code; accepting it creates the account, its
address confirmed (the code reached it), with the role. Inviting the same address again refreshes the
invitation (new code, new expiry, the role asked); it can be revoked while unanswered.

Services never commit; the mail leaves through the event outbox after the commit.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune, Invitation
from civicapi.communes.repository import InvitationRepository, consume_invitation
from civicapi.communes.service import _record, grant_role
from civicapi.config import Settings
from civicapi.core.db.base import utcnow
from civicapi.core.errors import Conflict, InvalidInput, unique_reason
from civicapi.core.pagination import PageParams, keyset_page
from civicapi.identity import service as identity
from civicapi.identity.models import User
from civicapi.identity.repository import UserRepository
from civicapi.identity.tokens import hash_token, new_secret

unique_reason(
    "uq_communes_invitation_commune_id_email",
    "invitation_in_progress",
    "this address is being invited by another request; try again",
)


async def invite(
    session: AsyncSession,
    settings: Settings,
    commune: Commune,
    *,
    email: str,
    role: str,
    invited_by_user_id: uuid.UUID | None,
    invited_by_api_key_id: uuid.UUID | None,
) -> Invitation:
    """Mail a code offering ``role``; the address's invitation is refreshed if it has one."""
    email = identity.normalize_email(email)
    if await UserRepository(session).by_email(email) is not None:
        raise Conflict(
            "an account with this email exists: give it the role (POST .../members)", reason="account_exists"
        )
    code = new_secret()
    repo = InvitationRepository(session, commune.id)
    invitation = await repo.by_email(email)
    verb = "create" if invitation is None else "refresh"
    if invitation is None:
        invitation = repo.add(Invitation(email=email, role=role, token_hash="", expires_at=utcnow()))
    now = utcnow()
    invitation.role = role
    invitation.token_hash = hash_token(code)
    invitation.created_at = now
    invitation.expires_at = now + timedelta(days=settings.invitation_ttl_days)
    invitation.accepted_at = None
    invitation.revoked_at = None
    invitation.invited_by_user_id = invited_by_user_id
    invitation.invited_by_api_key_id = invited_by_api_key_id
    await repo.flush()
    _record(session, commune.id, "invitation", invitation.id, verb, {"role": [None, role]})
    identity.queue_mail(
        session,
        email,
        f"Invitation: {commune.name}",
        f"Hello,\n\n{commune.name} invites you to take part as {role}.\n"
        f"Accept with this code: {code}\n"
        f"or open {settings.public_url}/invitations/accept?code={code}\n"
        f"It works once and expires in {settings.invitation_ttl_days} days.\n",
    )
    return invitation


async def list_awaiting(
    session: AsyncSession, commune: Commune, params: PageParams
) -> tuple[list[Invitation], str | None]:
    """Invitations neither accepted nor revoked (the expired ones too: they can be sent again)."""
    return await keyset_page(
        session,
        InvitationRepository(session, commune.id).awaiting_answer(),
        params=params,
        sorts={"created_at": Invitation.created_at, "email": Invitation.email},
        default_sort="-created_at",
        id_column=Invitation.id,
    )


async def revoke(session: AsyncSession, commune: Commune, invitation_id: uuid.UUID) -> None:
    """Its code stops working (idempotent); an accepted invitation is a 409 (take the role away instead)."""
    invitation = await InvitationRepository(session, commune.id).get_or_404(invitation_id)
    if invitation.accepted_at is not None:
        raise Conflict(
            "this invitation was accepted: remove the membership instead", reason="already_accepted"
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        await session.flush()
        _record(session, commune.id, "invitation", invitation.id, "revoke", {})


async def accept(
    session: AsyncSession, *, code: str, display_name: str, password: str, locale: str
) -> tuple[User, Invitation]:
    """Create the invited account (address confirmed) with the role. A code that is unknown, used,
    revoked or expired is a 422; an address that got an account meanwhile is a 409 (nothing changes)."""
    invitation = await consume_invitation(session, hash_token(code))
    if invitation is None:
        raise InvalidInput("the invitation code is invalid, used, revoked or expired", reason="invalid_token")
    user = await identity.create_user(
        session,
        email=invitation.email,
        display_name=display_name,
        password=password,
        locale=locale,
        confirmed=True,
    )
    await grant_role(session, invitation.commune_id, user.id, invitation.role)
    _record(session, invitation.commune_id, "invitation", invitation.id, "accept", {})
    return user, invitation
