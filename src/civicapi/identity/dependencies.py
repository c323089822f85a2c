from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.config import Settings
from civicapi.core.audit import Actor, ActorType, set_actor
from civicapi.core.deps import SessionDep
from civicapi.core.errors import Forbidden, Unauthorized
from civicapi.core.ratelimit import RateLimiter, TrustedProxies
from civicapi.core.security import TokenClaims, TokenService
from civicapi.identity import api_keys, tokens
from civicapi.identity.models import ApiKey, User
from civicapi.identity.repository_tokens import TOKEN_USER

_bearer = HTTPBearer(auto_error=False, description="Access token from `POST /v1/auth/token`.")
_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="Integrator key, bound to one commune."
)


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


async def get_token_service(request: Request) -> TokenService:
    access: TokenService = request.app.state.tokens
    return access


async def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


async def get_client_address(request: Request) -> str:
    """The address rate limits count: the peer, or what a configured proxy says it saw."""
    proxies: TrustedProxies = request.app.state.trusted_proxies
    peer = request.client.host if request.client else None
    return proxies.client_address(peer, request.headers.get("x-forwarded-for"))


TokenServiceDep = Annotated[TokenService, Depends(get_token_service)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
ClientAddress = Annotated[str, Depends(get_client_address)]


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
ApiKeyPlaintext = Annotated[str | None, Depends(_api_key_header)]


async def get_token_claims(access: TokenServiceDep, credentials: BearerCredentials) -> TokenClaims | None:
    if credentials is None:
        return None
    return access.verify(credentials.credentials)


TokenClaimsDep = Annotated[TokenClaims | None, Depends(get_token_claims)]


async def user_of_claims(
    session: AsyncSession,
    claims: TokenClaims | None,
    *,
    statement: Select[*tuple[Any, ...]] = TOKEN_USER,
    params: Mapping[str, Any] | None = None,
) -> tuple[User | None, tuple[Any, ...]]:
    """The active account a verified token speaks for (None without a token); 401 if it is gone or the
    token was revoked. Records the person as the unit of work's actor. ``statement`` and ``params``: see
    :func:`tokens.token_user` (the extra columns' values come back second)."""
    if claims is None:
        return None, ()
    try:
        user_id = uuid.UUID(claims.sub)
    except ValueError as exc:
        raise Unauthorized("invalid token subject") from exc
    user, revoked, extra = await tokens.token_user(
        session, user_id, claims, statement=statement, params=params
    )
    if user is None or not user.is_active:
        raise Unauthorized("the account of this token no longer exists")
    if revoked:
        raise Unauthorized("this token was revoked")
    set_actor(session, Actor(ActorType.user, user.id))
    return user, extra


async def user_of_credentials(
    session: AsyncSession,
    access: TokenService,
    credentials: HTTPAuthorizationCredentials | None,
    *,
    statement: Select[*tuple[Any, ...]] = TOKEN_USER,
    params: Mapping[str, Any] | None = None,
) -> tuple[User | None, tuple[Any, ...]]:
    """:func:`user_of_claims` of a bearer token as sent (401 if it does not verify)."""
    if credentials is None:
        return None, ()
    claims = access.verify(credentials.credentials)
    return await user_of_claims(session, claims, statement=statement, params=params)


async def api_key_of(session: AsyncSession, plaintext: str | None) -> ApiKey | None:
    """The integrator key sent (None without one; 401 if unknown, revoked or expired), recorded as the
    unit of work's actor."""
    if plaintext is None:
        return None
    key = await api_keys.authenticate_key(session, plaintext)
    set_actor(session, Actor(ActorType.api_key, key.id))
    return key


async def get_optional_user(session: SessionDep, claims: TokenClaimsDep) -> User | None:
    user, _ = await user_of_claims(session, claims)
    return user


async def get_current_user(user: Annotated[User | None, Depends(get_optional_user)]) -> User:
    if user is None:
        raise Unauthorized("authentication required")
    return user


async def get_platform_admin(user: Annotated[User, Depends(get_current_user)]) -> User:
    if not user.is_platform_admin:
        raise Forbidden("platform administrators only", permission="platform.admin")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
PlatformAdmin = Annotated[User, Depends(get_platform_admin)]
