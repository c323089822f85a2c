"""The component kit every module uses: one context of a component as services see it, and one rule for
what of it is public."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.registry import ResourceCaller, ResourceInfo, ResourceType
from civicapi.spaces.models import Component, ParticipatoryProcess
from civicapi.spaces.repository import rows_with_slug, visible_in_components
from civicapi.spaces.service import PREVIEW_PERMISSION, today_in

S = TypeVar("S", bound=BaseModel)
T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)  # no slots: a slotted generic dataclass cannot be built through its alias
class ComponentContext(Generic[S, T]):
    """A module's component as its services see it: its commune, its process (with its phases), its
    settings and the step settings of the active phase, and today in the commune's time zone."""

    commune: Commune
    component: Component
    process: ParticipatoryProcess
    settings: S
    step: T
    today: date

    @property
    def commune_id(self) -> uuid.UUID:
        return self.commune.id

    @property
    def component_id(self) -> uuid.UUID:
        return self.component.id

    @property
    def url(self) -> str:
        """The component's path in the API (``/v1/communes/{commune}/{module}/components/{id}``): what a
        created resource's ``Location`` starts with."""
        return component_path(self.commune.slug, self.component.module_key, self.component.id)

    def url_of(self, *parts: object) -> str:
        """A path under the component's (``ctx.url_of("budgets", budget.id, "projects", project.id)``)."""
        return "/".join([self.url, *(str(p) for p in parts)])

    @property
    def public(self) -> bool:
        """Whether what happens in the component is public (its public history, its public lists): the
        component and its process are published. The one rule every module follows."""
        return self.component.published_at is not None and self.process.published_at is not None


def component_path(commune_slug: str, module_key: str, component_id: uuid.UUID, *parts: object) -> str:
    """The path of a component in the API (``/v1/communes/{commune}/{module}/components/{id}``), or of a
    resource under it (``parts``)."""
    base = f"/v1/communes/{commune_slug}/{module_key}/components/{component_id}"
    return "/".join([base, *(str(p) for p in parts)])


def previews(caller: ResourceCaller) -> bool:
    """Whether the caller sees unpublished processes and components (holds ``spaces.preview``)."""
    return caller.can(PREVIEW_PERMISSION)


def component_context(
    commune: Commune,
    component: Component,
    process: ParticipatoryProcess,
    settings: BaseModel,
    step: BaseModel,
    *,
    types: tuple[type[S], type[T]],
) -> ComponentContext[S, T]:
    """The context of a component whose settings for today are resolved, checked against the module's
    settings schemas (``types``: component settings, step settings)."""
    settings_type, step_type = types
    assert isinstance(settings, settings_type) and isinstance(step, step_type)
    return ComponentContext(
        commune=commune,
        component=component,
        process=process,
        settings=settings,
        step=step,
        today=today_in(commune.timezone),
    )


def component_resource_type(
    *,
    module_key: str,
    name: str,
    title: Mapping[str, str],
    model: Any,
    path: Callable[[Any], Sequence[object]],
    columns: Sequence[Any] = (),
    rule: Callable[[ResourceCaller], ColumnElement[bool]] | None = None,
) -> ResourceType:
    """The resource type of a module's rows that live in components (``model`` has ``component_id`` and a
    multilingual ``title``), with the visibility every module follows: seen where the component is
    (:func:`civicapi.spaces.repository.visible_component_ids`) and, when given, ``rule(caller)`` holds
    (the module's own: drafts, hidden rows). ``path(row)``: the parts of the resource's path under its
    component, from the row's ``id``, ``component_id`` and ``columns``. Each hook is one statement."""

    async def visible(
        session: AsyncSession, commune_id: uuid.UUID, caller: ResourceCaller, ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        where = [rule(caller)] if rule is not None else []
        return await visible_in_components(
            session, model, commune_id, module_key, ids, include_hidden=previews(caller), where=where
        )

    async def describe(
        session: AsyncSession, commune_id: uuid.UUID, ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ResourceInfo]:
        rows = await rows_with_slug(
            session, model, commune_id, ids, model.component_id, model.title, *columns
        )
        return {
            row.id: ResourceInfo(
                title=row.title,
                component_id=row.component_id,
                path=component_path(row.slug, module_key, row.component_id, *path(row)),
            )
            for row in rows
        }

    return ResourceType(name=name, title=title, visible=visible, describe=describe)
