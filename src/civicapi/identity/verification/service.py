"""Granting, revoking and reading verifications. Services never commit; the request's unit of work does.

One identity verifies one account per commune and handler: the partial unique indexes of
``identity_verification`` decide it, so concurrent attempts give exactly one granted row; the checks made
first only give the usual case a precise answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.audit import record
from civicapi.core.db.base import utcnow
from civicapi.core.errors import Conflict, Forbidden, NotFound
from civicapi.core.links import ResourceRef
from civicapi.identity.models import User
from civicapi.identity.repository import UserRepository
from civicapi.identity.verification.handlers import DESK
from civicapi.identity.verification.hashing import IdentityHasher
from civicapi.identity.verification.models import (
    IDENTITY_INDEX,
    USER_INDEX,
    Verification,
    VerificationStatus,
)
from civicapi.identity.verification.repository import VerificationRepository
from civicapi.identity.verification.schemas import DeskVerificationCreate, VerificationRead

CENSUS_MANAGE_PERMISSION = "commune.census.manage"
"""Upload the census and revoke anyone's verification in the commune (admins)."""
DESK_PERMISSION = "identity.verify.desk"
"""Verify residents in person (staff and admins)."""


def _ref(verification: Verification) -> ResourceRef:
    return ResourceRef("identity", "verification", verification.id)


def identity_used() -> Conflict:
    return Conflict(
        "this identity already verifies another account in this commune", reason="identity_already_used"
    )


def _self_revoked(verification: Verification) -> bool:
    return (
        verification.revoked_by_user_id is not None
        and verification.revoked_by_user_id == verification.user_id
    )


def _conflict_from(exc: IntegrityError) -> Conflict | None:
    message = str(exc.orig)
    if IDENTITY_INDEX in message or "identity_key" in message:
        return identity_used()
    if USER_INDEX in message or "user_id" in message:
        return Conflict("this account is already verified with this handler", reason="already_verified")
    return None


async def grant_verification(
    session: AsyncSession,
    *,
    commune_id: uuid.UUID,
    user_id: uuid.UUID,
    handler: str,
    identity_key: str,
    metadata: Mapping[str, Any],
    expires_at: datetime | None = None,
    verified_by_user_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Verification:
    """Verify ``user_id`` with ``handler``. Modules' handlers call this too, with their own handler name
    and an ``identity_key`` from :class:`IdentityHasher` (never the identifier itself).

    409 ``identity_already_used`` when the identity verifies another account (or did, and that account's
    owner revoked it: the identity stays bound to it until an admin revokes); 409 ``already_verified``
    when the account holds an unexpired verification of this handler (an expired one is renewed).
    """
    now = now or utcnow()
    repo = VerificationRepository(session, commune_id)
    holders = await repo.holders_of(handler, identity_key)
    if any(v.status == VerificationStatus.granted.value and v.user_id != user_id for v in holders):
        raise identity_used()
    latest = max(holders, key=lambda v: v.granted_at, default=None)
    if latest is not None and latest.user_id not in (None, user_id) and _self_revoked(latest):
        raise identity_used()
    current = await repo.granted_for_user(user_id, handler)
    if current is not None:
        if not current.is_expired(now):
            raise Conflict("this account is already verified with this handler", reason="already_verified")
        current.status = VerificationStatus.revoked.value
        current.revoked_at = now
        record(session, commune_id=commune_id, action="verification.expired_renewed", resource=_ref(current))
    verification = repo.add(
        Verification(
            user_id=user_id,
            handler=handler,
            identity_key=identity_key,
            meta=dict(metadata),
            status=VerificationStatus.granted.value,
            granted_at=now,
            expires_at=expires_at,
            verified_by_user_id=verified_by_user_id,
        )
    )
    try:
        await repo.flush()
    except IntegrityError as exc:
        conflict = _conflict_from(exc)
        if conflict is None:
            raise
        raise conflict from exc
    record(
        session,
        commune_id=commune_id,
        action="verification.granted",
        resource=_ref(verification),
        changes={
            "user_id": user_id,
            "handler": handler,
            "expires_at": expires_at,
            "verified_by_user_id": verified_by_user_id,
        },
    )
    return verification


async def verify_at_desk(
    session: AsyncSession,
    hasher: IdentityHasher,
    *,
    commune_id: uuid.UUID,
    staff_user_id: uuid.UUID,
    data: DeskVerificationCreate,
    now: datetime | None = None,
) -> Verification:
    """A staff member saw the person's document: verify their account with the ``desk`` handler."""
    now = now or utcnow()
    users = UserRepository(session)
    user: User | None
    if data.user_id is not None:
        user = await users.get(data.user_id)
    else:
        assert data.email is not None
        user = await users.by_email(data.email)
    if user is None or not user.is_active:
        raise NotFound("no account with this id or email", reason="unknown_user")
    if user.id == staff_user_id:
        raise Forbidden("staff cannot verify their own account", reason="self_verification")
    metadata = {
        key: value
        for key, value in (
            ("district", data.district),
            ("postal_code", data.postal_code),
            ("birth_year", data.birth_year),
        )
        if value is not None
    }
    return await grant_verification(
        session,
        commune_id=commune_id,
        user_id=user.id,
        handler=DESK.name,
        identity_key=hasher.identity_key(commune_id, data.identifier),
        metadata=metadata,
        expires_at=now + timedelta(days=data.valid_days) if data.valid_days else None,
        verified_by_user_id=staff_user_id,
        now=now,
    )


async def get_verification(
    session: AsyncSession,
    *,
    commune_id: uuid.UUID,
    verification_id: uuid.UUID,
    user_id: uuid.UUID,
    may_manage: bool,
) -> Verification:
    """The verification, for its owner or someone who manages verifications; 404 in another commune."""
    verification = await VerificationRepository(session, commune_id).get_or_404(verification_id)
    if verification.user_id != user_id and not may_manage:
        raise Forbidden(
            "only the owner or an administrator may see or revoke this verification",
            permission=CENSUS_MANAGE_PERMISSION,
        )
    return verification


async def revoke_verification(
    session: AsyncSession, verification: Verification, *, by_user_id: uuid.UUID, now: datetime | None = None
) -> Verification:
    """Revoke (idempotent). An admin's revocation frees the identity for another account; the owner's own
    does not (else revoke-and-reverify would let one person verify many accounts in turn)."""
    if verification.status == VerificationStatus.revoked.value:
        return verification
    verification.status = VerificationStatus.revoked.value
    verification.revoked_at = now or utcnow()
    verification.revoked_by_user_id = by_user_id
    await session.flush()
    record(
        session,
        commune_id=verification.commune_id,
        action="verification.revoked",
        resource=_ref(verification),
        changes={"status": ["granted", "revoked"], "user_id": verification.user_id},
    )
    return verification


async def list_user_verifications(
    session: AsyncSession, *, commune_id: uuid.UUID, user_id: uuid.UUID
) -> list[Verification]:
    return await VerificationRepository(session, commune_id).of_user(user_id)


def to_read(verification: Verification, *, now: datetime | None = None) -> VerificationRead:
    now = now or utcnow()
    return VerificationRead(
        id=verification.id,
        user_id=verification.user_id,
        handler=verification.handler,
        status=verification.status,
        expired=verification.status == VerificationStatus.granted.value and verification.is_expired(now),
        metadata=dict(verification.meta),
        granted_at=verification.granted_at,
        expires_at=verification.expires_at,
        revoked_at=verification.revoked_at,
        verified_by_user_id=verification.verified_by_user_id,
    )
