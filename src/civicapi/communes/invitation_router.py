"""Onboarding routes: invitations by mail (a role offered to an address without an account) and accounts
opened by staff at the desk (limited per staff account, not per address)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request, Response, status

from civicapi.communes import invitations
from civicapi.communes.dependencies import Caller, require
from civicapi.communes.invitation_schemas import (
    DeskRegistrationCreate,
    InvitationAccept,
    InvitationCreate,
    InvitationRead,
)
from civicapi.core import audit
from civicapi.core.deps import SessionDep, SettingsDep
from civicapi.core.errors import Forbidden, problem_responses
from civicapi.core.links import ResourceRef
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.identity import service as identity
from civicapi.identity.api_keys import INVITE_PERMISSION
from civicapi.identity.dependencies import RateLimiterDep
from civicapi.identity.schemas import UserRead
from civicapi.registry import Role

router = GuardedRouter(tags=["invitations"])

Inviter = Annotated[Caller, Depends(require(INVITE_PERMISSION))]
DeskRegistrar = Annotated[Caller, Depends(require("identity.register.desk"))]
KEY_ROLES = frozenset({Role.participant})
"""The roles an integrator's key may offer: a key never hands out staff or admin rights."""


@router.post(
    "/v1/communes/{commune}/invitations",
    operation_id="invitations_create",
    summary="Invite an address without an account to take a role (sending again refreshes it)",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_invitation(
    body: InvitationCreate, caller: Inviter, session: SessionDep, settings: SettingsDep, response: Response
) -> InvitationRead:
    if caller.api_key is not None and body.role not in KEY_ROLES:
        raise Forbidden("an API key may invite participants only", reason="role_not_allowed")
    invitation = await invitations.invite(
        session,
        settings,
        caller.commune,
        email=str(body.email),
        role=body.role.value,
        invited_by_user_id=caller.user.id if caller.user else None,
        invited_by_api_key_id=caller.api_key.id if caller.api_key else None,
    )
    response.headers["Location"] = f"/v1/communes/{caller.commune.slug}/invitations/{invitation.id}"
    return InvitationRead.model_validate(invitation)


@router.get(
    "/v1/communes/{commune}/invitations",
    operation_id="invitations_list",
    summary="Invitations awaiting an answer (pending or expired), newest first",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_invitations(
    request: Request,
    response: Response,
    caller: Inviter,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("created_at", "email", default="-created_at"))],
) -> Page[InvitationRead]:
    rows, cursor = await invitations.list_awaiting(session, caller.commune, page)
    set_link_header(request, response, cursor)
    return Page(items=[InvitationRead.model_validate(r) for r in rows], next_cursor=cursor)


@router.delete(
    "/v1/communes/{commune}/invitations/{invitation_id}",
    operation_id="invitations_revoke",
    summary="Revoke an invitation: its code stops working",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def revoke_invitation(invitation_id: uuid.UUID, caller: Inviter, session: SessionDep) -> None:
    await invitations.revoke(session, caller.commune, invitation_id)


@router.post(
    "/v1/invitations/accept",
    operation_id="invitations_accept",
    summary="Accept an invitation: creates the account (address confirmed) with the role offered",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 422),
)
async def accept_invitation(body: InvitationAccept, session: SessionDep, response: Response) -> UserRead:
    user, _invitation = await invitations.accept(
        session, code=body.code, display_name=body.display_name, password=body.password, locale=body.locale
    )
    response.headers["Location"] = "/v1/me"
    return UserRead.model_validate(user)


@router.post(
    "/v1/communes/{commune}/registrations/desk",
    operation_id="registrations_desk_create",
    summary="Open an account for a resident at the desk (staff); they choose a password from the mail",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422, 429),
)
async def register_at_desk(
    body: DeskRegistrationCreate,
    caller: DeskRegistrar,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> UserRead:
    if caller.user is None:  # the permission is a commune's role: keys never hold it
        raise Forbidden("people only", reason="people_only")
    # Counted per staff account: the desk's residents all come through the town hall's one address.
    await limiter.hit("desk_register", settings.rate_limit_desk_register, str(caller.user.id))
    user = await identity.register_at_desk(
        session, settings, email=str(body.email), display_name=body.display_name, locale=body.locale
    )
    audit.record(
        session,
        commune_id=caller.commune.id,
        action="identity.user.desk_register",
        resource=ResourceRef("identity", "user", user.id),
    )
    return UserRead.model_validate(user)
