from __future__ import annotations

from typing import Any

from fastapi import status

from civicapi.communes.dependencies import RegistryDep
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.identity.dependencies import CurrentUser
from civicapi.platform import privacy

router = GuardedRouter(tags=["identity"])


@router.get(
    "/v1/me/export",
    operation_id="identity_me_export",
    summary="Everything the platform holds about me, as JSON (right of access and portability)",
    responses=problem_responses(401),
)
async def export_me(user: CurrentUser, session: SessionDep, registry: RegistryDep) -> dict[str, Any]:
    return await privacy.export_personal_data(session, registry, user)


@router.delete(
    "/v1/me",
    operation_id="identity_me_erase",
    summary="Erase my account: personal data gone, contributions kept anonymously, counts unchanged",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401),
)
async def erase_me(user: CurrentUser, session: SessionDep, registry: RegistryDep) -> None:
    await privacy.erase_account(session, registry, user)
