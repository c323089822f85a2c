"""Resource types: what a module declares about the resources that the shared capabilities (comments,
places, attachments, notifications, the change feed) work on, and the two hooks they call.

A capability never shows, counts or notifies a resource its module would hide: it asks the module, in
one call per page of ids (set-based SQL in the module's repository), never one call per row."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

RESOURCE_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class ResourceCaller(Protocol):
    """Who asks to see resources: in a request, the route's caller (``civicapi.communes.dependencies.Caller``,
    a person, an API key or nobody); elsewhere (a notification to the public, a feed) :data:`ANONYMOUS`."""

    @property
    def user_id(self) -> uuid.UUID | None:
        """The person's account id; None for the anonymous and for API keys."""
        ...

    def can(self, permission: str) -> bool:
        """Whether the caller holds ``permission`` in the commune asked about."""
        ...


@dataclass(frozen=True, slots=True)
class AnonymousCaller:
    """Nobody logged in: sees what is public, holds no permission."""

    user_id: uuid.UUID | None = None

    def can(self, permission: str) -> bool:
        return False


ANONYMOUS = AnonymousCaller()


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """A resource as notifications and links name it."""

    title: Mapping[str, str]
    """Multilingual (``{"fr": ..., "nl": ...}``)."""
    component_id: uuid.UUID | None
    """The component it lives in (None for a module's commune-wide resources)."""
    path: str
    """Where the module serves it, e.g. ``/v1/communes/liege/proposals/components/{c}/proposals/{id}``."""


VisibleHook = Callable[
    ["AsyncSession", uuid.UUID, ResourceCaller, Collection[uuid.UUID]], Awaitable[set[uuid.UUID]]
]
"""(session, commune id, caller, ids) -> the ids among ``ids`` that the caller may see in that commune
(another commune's ids and unknown ids never are). One call per page of ids."""
DescribeHook = Callable[
    ["AsyncSession", uuid.UUID, Collection[uuid.UUID]], Awaitable[dict[uuid.UUID, ResourceInfo]]
]
"""(session, commune id, ids) -> title, component and path of those ids that exist in that commune,
whether or not a given caller may see them (ask :data:`VisibleHook` first). One call per page of ids."""
PlacesHook = Callable[["AsyncSession", uuid.UUID], AsyncIterator[Sequence[tuple[Any, Any]]]]
"""(session, commune id) -> every resource of this type in that commune that has a point, as batches of
``(civicapi.places.service_index.PlaceRef, PlaceFacts)``, what the module writes into the places index on
each write: ``civicapi places reindex`` rebuilds the index from it. (Typed loosely: the registry sits below
the places capability.)"""


@dataclass(frozen=True, slots=True)
class ResourceType:
    """A kind of resource a module serves (``proposal``, ``project``, ``result`` ...), referred to by
    capabilities as ``(module key, name, id)``."""

    name: str
    """``[a-z][a-z0-9_]{1,39}``, unique within the module."""
    title: Mapping[str, str]
    """Per locale, e.g. ``{"fr": "Proposition", "en": "Proposal"}``."""
    visible: VisibleHook
    describe: DescribeHook
    places: PlacesHook | None = None
    """Optional: the type's resources that have a point (see :data:`PlacesHook`), for rebuilding the places
    index; a type without it is never rebuilt (its module writes nothing there)."""


class UnknownResourceType(LookupError):
    """No installed module declares this resource type."""
