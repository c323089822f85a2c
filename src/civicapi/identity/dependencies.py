from __future__ import annotations

import hashlib
import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from civicapi.config import Settings
from civicapi.core.deps import SessionDep
from civicapi.core.errors import Forbidden, Unauthorized
from civicapi.core.security import TokenService
from civicapi.identity.models import User
from civicapi.identity.repository import UserRepository

_bearer = HTTPBearer(auto_error=False, description="Access token from `POST /v1/auth/token`.")


def _kid(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def build_token_service(settings: Settings) -> TokenService:
    secrets = [
        settings.secret_key.get_secret_value(),
        *(s.get_secret_value() for s in settings.previous_secret_keys),
    ]
    return TokenService(
        {_kid(s): s for s in secrets},
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )


def get_token_service(request: Request) -> TokenService:
    tokens: TokenService = request.app.state.tokens
    return tokens


TokenServiceDep = Annotated[TokenService, Depends(get_token_service)]


async def get_optional_user(
    session: SessionDep,
    tokens: TokenServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User | None:
    if credentials is None:
        return None
    claims = tokens.verify(credentials.credentials)
    try:
        user_id = uuid.UUID(claims.sub)
    except ValueError as exc:
        raise Unauthorized("invalid token subject") from exc
    user = await UserRepository(session).get(user_id)
    if user is None or not user.is_active:
        raise Unauthorized("the account of this token no longer exists")
    return user


async def get_current_user(user: Annotated[User | None, Depends(get_optional_user)]) -> User:
    if user is None:
        raise Unauthorized("authentication required")
    return user


async def get_platform_admin(user: Annotated[User, Depends(get_current_user)]) -> User:
    if not user.is_platform_admin:
        raise Forbidden("platform administrators only", permission="platform.admin")
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]
CurrentUser = Annotated[User, Depends(get_current_user)]
PlatformAdmin = Annotated[User, Depends(get_platform_admin)]
