"""Personal data rights (GDPR): a person's export, and the erasure of their account.

Each layer and module contributes its part: identity (account, verifications, sessions), communes
(memberships, invitations mailed to the address), the audit trail (what the person did), and every installed module through the registry
hooks ``export_personal_data`` / ``erase_personal_data``. Erasure keeps contributions under an anonymous
author and leaves every count unchanged."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.repository import forget_invitations_to, invitations_to
from civicapi.core import audit
from civicapi.core.db.session import after_commit, forget_freed_pages
from civicapi.core.links import ResourceRef
from civicapi.identity import privacy as identity_privacy
from civicapi.identity.models import User
from civicapi.platform.repository import activity_of, memberships_of
from civicapi.registry import ModuleRegistry

EXPORT_FORMAT_VERSION = 1


async def export_personal_data(session: AsyncSession, registry: ModuleRegistry, user: User) -> dict[str, Any]:
    data = await identity_privacy.export_identity(session, user)
    memberships = await memberships_of(session, user.id)
    activity = await activity_of(session, user.id, limit=10_000)
    invited = await invitations_to(session, user.email)
    modules: dict[str, Any] = {}
    for module in registry:
        if module.export_personal_data is not None:
            modules[module.key] = await module.export_personal_data(session, user.id)
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        **data,
        "memberships": [
            {"commune": m.slug, "role": m.role, "since": m.created_at.isoformat()} for m in memberships
        ],
        "invitations": [
            {
                "commune": slug,
                "role": invitation.role,
                "status": invitation.status,
                "sent_at": invitation.created_at.isoformat(),
            }
            for slug, invitation in invited
        ],
        "activity": [
            {
                "action": e.action,
                "resource": f"{e.resource_module}/{e.resource_type}/{e.resource_id}",
                "at": e.created_at.isoformat(),
            }
            for e in activity
        ],
        "modules": modules,
    }


async def erase_account(session: AsyncSession, registry: ModuleRegistry, user: User) -> None:
    """Erase the account, then unlink the audit trail from it (:func:`audit.forget_person`); on SQLite,
    once committed, copy the WAL into the main file and truncate it (:func:`forget_freed_pages`): the
    pages the erasure freed are zeroed (``secure_delete``) and no older copy of them stays in the WAL."""
    user_id = user.id
    address, name = user.email, user.display_name
    for module in registry:
        if module.erase_personal_data is not None:
            await module.erase_personal_data(session, user_id)
    audit.record(
        session,
        commune_id=None,
        action="identity.user.erase",
        resource=ResourceRef("identity", "user", user_id),
    )
    await forget_invitations_to(session, address)  # they hold the address
    await session.flush()
    await identity_privacy.erase_identity(session, user_id)
    await audit.forget_person(session, user_id, addresses=[address], names=[name])
    after_commit(session, forget_freed_pages)
