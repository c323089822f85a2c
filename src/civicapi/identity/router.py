from __future__ import annotations

from fastapi import APIRouter

from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.identity import service
from civicapi.identity.dependencies import CurrentUser, TokenServiceDep
from civicapi.identity.schemas import TokenRead, TokenRequest, UserRead

router = APIRouter(tags=["identity"])


@router.post(
    "/v1/auth/token",
    operation_id="identity_login",
    summary="Log in with email and password",
    responses=problem_responses(401, 422),
)
async def login(body: TokenRequest, session: SessionDep, tokens: TokenServiceDep) -> TokenRead:
    user = await service.authenticate(session, email=body.email, password=body.password)
    token, expires_in = service.issue_access_token(tokens, user)
    return TokenRead(access_token=token, expires_in=expires_in)


@router.get(
    "/v1/me", operation_id="identity_me", summary="The current account", responses=problem_responses(401)
)
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)
