"""The component kit every module uses: one context of a component as services see it, one rule for what
of it is public, and audited writes (:class:`AuditedWrites`). CSV is written and read by
``civicapi.core.tabular``; a created resource's ``Location`` is :meth:`ComponentContext.url_of`."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from civicapi.communes.models import Commune
from civicapi.core import audit
from civicapi.core.audit import ModuleTrail
from civicapi.core.db.repository import Repository
from civicapi.core.errors import ProblemError
from civicapi.identity.verification.requirements import (
    ActionRequirement,
    RequirementStatus,
    check_requirements,
)
from civicapi.registry import ResourceCaller, ResourceInfo, ResourceType
from civicapi.registry.resources import PlacesHook
from civicapi.spaces.models import Component, ParticipatoryProcess
from civicapi.spaces.repository import rows_with_slug, visible_in_components
from civicapi.spaces.service import PREVIEW_PERMISSION, today_in

S = TypeVar("S", bound=BaseModel)
T = TypeVar("T", bound=BaseModel)
M = TypeVar("M", bound=DeclarativeBase)


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


async def require_verifications(
    session: AsyncSession,
    ctx: ComponentContext[Any, Any],
    user_id: uuid.UUID,
    requirements: Sequence[ActionRequirement],
    *,
    forbidden: Callable[..., ProblemError],
) -> None:
    """Raise the module's 403 ``forbidden`` with reason ``requirements_not_met`` (and the requirement's
    status, handler and failed conditions) unless the person meets every one of the component's
    ``requirements`` for an action (none: nothing to check)."""
    if not requirements:
        return
    result = await check_requirements(
        session, commune_id=ctx.commune_id, user_id=user_id, requirements=requirements, today=ctx.today
    )
    if result.status is not RequirementStatus.ok:
        raise forbidden(
            f"verification required: {result.reason}",
            reason="requirements_not_met",
            requirement=result.model_dump(mode="json", exclude={"results", "metadata"}),
        )


class _Scope(Protocol):
    @property
    def commune_id(self) -> uuid.UUID: ...

    @property
    def public(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class AuditedWrites(Generic[M]):
    """Create, update and delete one kind of a module's rows, each write with its audit entry
    (``<module>.<kind>.<verb>`` with ``{field: [old, new]}`` of ``fields``), public when the component is
    (:attr:`ComponentContext.public`: its history is then part of what residents see)::

        STATUSES = kit.AuditedWrites(audit.ModuleTrail("accountability"), "status", STATUS_FIELDS)
        status = await STATUSES.add(session, ctx, StatusRepository(session, ctx.commune_id), Status(...))

    Services still decide what may be written; these only write it and say so, never committing."""

    trail: ModuleTrail
    kind: str
    fields: tuple[str, ...]

    async def add(self, session: AsyncSession, ctx: _Scope, repo: Repository[M], row: M) -> M:
        """Add ``row`` (its id is known after the flush) and record ``create`` with its values."""
        repo.add(row)
        await session.flush()
        self._record(session, ctx, row, "create", audit.created(row, self.fields))
        return row

    async def change(
        self, session: AsyncSession, ctx: _Scope, row: M, values: Mapping[str, Any], *, verb: str = "update"
    ) -> dict[str, list[Any]]:
        """Set ``values`` on ``row``; when that changed any audited field, flush and record ``verb`` with
        what changed. Answers the changes (empty: nothing was recorded)."""
        before = audit.snapshot(row, self.fields)
        for field, value in values.items():
            setattr(row, field, value)
        changed = audit.diff(before, audit.snapshot(row, self.fields))
        if changed:
            await session.flush()
            self._record(session, ctx, row, verb, changed)
        return changed

    async def remove(self, session: AsyncSession, ctx: _Scope, repo: Repository[M], row: M) -> None:
        """Record ``delete`` with the row's last values, then delete it."""
        self._record(session, ctx, row, "delete", audit.deleted(row, self.fields))
        await repo.delete(row)
        await session.flush()

    def _record(
        self, session: AsyncSession, ctx: _Scope, row: M, verb: str, changes: Mapping[str, Any]
    ) -> None:
        self.trail.record(
            session,
            commune_id=ctx.commune_id,
            kind=self.kind,
            id=row.id,  # type: ignore[attr-defined]
            verb=verb,
            changes=changes,
            public=ctx.public,
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
    places: PlacesHook | None = None,
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

    return ResourceType(name=name, title=title, visible=visible, describe=describe, places=places)
