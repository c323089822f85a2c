"""Path resources and rights: the current commune, the caller's roles in it, permission checks, and the
router-level check that a module is enabled."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.communes.permissions import PermissionPolicy
from civicapi.communes.repository import CALLER, ROLES_SEPARATOR, CommuneRepository
from civicapi.core.db.memo import memoized, peek
from civicapi.core.db.session import Database
from civicapi.core.deps import SessionDep
from civicapi.core.errors import Forbidden, ModuleNotEnabled, NotFound, Unauthorized
from civicapi.identity.api_keys import key_allows
from civicapi.identity.dependencies import (
    ApiKeyPlaintext,
    BearerCredentials,
    api_key_of,
    user_of_credentials,
)
from civicapi.identity.models import ApiKey, User
from civicapi.registry import ModuleRegistry

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PLATFORM_AREAS = ("commune.",)
"""Permissions about the commune itself (settings, members, keys): people only, never API keys."""

CommuneSlug = Annotated[str, Path(description="The commune's slug, e.g. `liege`.", max_length=63)]


async def _by_slug(session: AsyncSession, slug: str) -> Commune | None:
    return await CommuneRepository(session).by_slug(slug, with_modules=True)


def _commune_key(slug: str) -> tuple[str, str]:
    return ("commune", slug)


async def get_current_commune(commune: CommuneSlug, session: SessionDep) -> Commune:
    found = await memoized(session, _commune_key(commune), partial(_by_slug, slug=commune))
    if found is None:
        raise NotFound(f"commune {commune!r} not found")
    return found


CurrentCommune = Annotated[Commune, Depends(get_current_commune)]


def kept_commune(db: Database, slug: str) -> Commune | None:
    """:func:`get_current_commune`'s commune if the row memo holds a valid copy (shared: read it, never
    change it), else None: for a lane (:mod:`civicapi.core.lanes`), which leaves a miss to the route."""
    return peek(db, _commune_key(slug), Commune)


def module_is_enabled(commune: Commune, key: str) -> bool:
    """Whether ``commune`` (its ``modules`` loaded) has enabled the module ``key``."""
    return any(m.module_key == key and m.enabled for m in commune.modules)


async def get_registry(request: Request) -> ModuleRegistry:
    registry: ModuleRegistry = request.app.state.registry
    return registry


RegistryDep = Annotated[ModuleRegistry, Depends(get_registry)]


@dataclass(slots=True)
class Caller:
    """Who is calling, and what they may do in the current commune."""

    user: User | None
    commune: Commune
    roles: set[str] = field(default_factory=set)
    policy: PermissionPolicy | None = None
    api_key: ApiKey | None = None

    @property
    def user_id(self) -> uuid.UUID | None:
        """The person's id (None for the anonymous and for API keys): a ``registry.ResourceCaller``."""
        return self.user.id if self.user is not None else None

    @property
    def is_platform_admin(self) -> bool:
        return bool(self.user and self.user.is_platform_admin)

    @property
    def authenticated(self) -> bool:
        return self.user is not None or self.api_key is not None

    def can(self, permission: str) -> bool:
        if self.api_key is not None:
            # Keys act only within their scopes, never on the platform's own settings.
            declared = self.policy is not None and permission in self.policy.declared
            return (
                declared
                and not permission.startswith(PLATFORM_AREAS)
                and key_allows(self.api_key.scopes, permission)
            )
        if self.is_platform_admin:
            return True
        return self.policy is not None and self.policy.allows(self.roles, permission)

    def require(self, permission: str) -> None:
        if self.can(permission):
            return
        if not self.authenticated:
            raise Unauthorized("authentication required")
        raise Forbidden(f"missing permission {permission!r} in this commune", permission=permission)


async def get_caller(
    request: Request,
    commune: CurrentCommune,
    session: SessionDep,
    credentials: BearerCredentials,
    api_key_plaintext: ApiKeyPlaintext,
) -> Caller:
    """Who calls (bearer token, API key or nobody) and their roles in the path's commune.

    The one place where a person whose email address is not confirmed is stopped from acting in a
    commune (any write: verifying, proposing, supporting, voting ...) when
    ``CIVICAPI_REQUIRE_CONFIRMED_EMAIL`` holds: 403 ``email_not_confirmed``, before anything is written.

    The token and the key are resolved here by plain calls rather than as sub-dependencies: FastAPI walks
    a dependency's whole subtree again at each place it is used, and the caller is used by nearly every
    route (most of them several times over)."""
    state = request.app.state
    policy: PermissionPolicy = state.policy
    user, extra = await user_of_credentials(
        session, state.tokens, credentials, statement=CALLER, params={"commune_id": commune.id}
    )
    api_key = await api_key_of(session, api_key_plaintext)
    if api_key is not None:
        if user is not None:
            raise Unauthorized("send either a bearer token or an API key, not both")
        if api_key.commune_id != commune.id:
            raise Unauthorized("this API key belongs to another commune")
        return Caller(user=None, commune=commune, policy=policy, api_key=api_key)
    if (
        user is not None
        and request.method not in SAFE_METHODS
        and not user.email_confirmed
        and state.settings.confirmed_email_required
    ):
        raise Forbidden(
            "confirm your email address before taking part: use the code mailed at registration",
            reason="email_not_confirmed",
        )
    roles = set(extra[0].split(ROLES_SEPARATOR)) if user is not None and extra[0] else set()
    return Caller(user=user, commune=commune, roles=roles, policy=policy)


CallerDep = Annotated[Caller, Depends(get_caller)]


def require(permission: str) -> Callable[..., Awaitable[Caller]]:
    """Dependency factory: the caller, or 401/403 when they lack ``permission`` in the current commune."""

    async def _require(caller: CallerDep) -> Caller:
        caller.require(permission)
        return caller

    _require.__name__ = f"require_{permission.replace('.', '_')}"
    return _require


def module_enabled(key: str) -> Callable[..., Awaitable[Commune]]:
    """Router-level dependency mounted on every module: 404 when the commune has not enabled ``key``."""

    async def _module_enabled(commune: CurrentCommune) -> Commune:
        if not module_is_enabled(commune, key):
            raise ModuleNotEnabled(f"module {key!r} is not enabled for commune {commune.slug!r}", module=key)
        return commune

    _module_enabled.__name__ = f"module_enabled_{key}"
    return _module_enabled
