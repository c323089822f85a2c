"""Spaces use cases about components: finding one the caller may see (through the row memo), listing,
creating, changing and deleting them with their settings. Same rules as :mod:`civicapi.spaces.service`."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.core.audit import diff, snapshot
from civicapi.core.db.base import utcnow
from civicapi.core.db.memo import memoized, peek
from civicapi.core.db.session import Database
from civicapi.core.errors import Conflict, InvalidInput, NotFound
from civicapi.core.i18n import check_locales
from civicapi.core.pagination import PageParams
from civicapi.registry import ModuleRegistry
from civicapi.spaces import audit_helpers as trail
from civicapi.spaces.models import Component, ParticipatoryProcess
from civicapi.spaces.repository import ComponentRepository
from civicapi.spaces.schemas import ComponentCreate, ComponentUpdate
from civicapi.spaces.service import reject_nulls, visible_modules
from civicapi.spaces.settings import check_settings


def _component_key(
    commune: Commune,
    visible: frozenset[str],
    component_id: uuid.UUID,
    include_hidden: bool,
    process_id: uuid.UUID | None,
    module_key: str | None,
    with_process: bool,
) -> tuple[object, ...]:
    return (
        "component",
        commune.id,
        component_id,
        include_hidden,
        visible,
        process_id,
        module_key,
        with_process,
    )


def kept_component(
    db: Database, commune: Commune, registry: ModuleRegistry, component_id: uuid.UUID, module_key: str
) -> Component | None:
    """The component of ``module_key`` (process and phases loaded) that :func:`get_component` gives anyone,
    published in a published process, if the row memo holds a valid copy (shared: read it, never change
    it); else None: for a lane (:mod:`civicapi.core.lanes`), which leaves a miss to the route."""
    visible = frozenset(visible_modules(commune, registry))
    key = _component_key(commune, visible, component_id, False, None, module_key, True)
    return peek(db, key, Component)


async def get_component(
    session: AsyncSession,
    commune: Commune,
    registry: ModuleRegistry,
    component_id: uuid.UUID,
    *,
    include_hidden: bool,
    process_id: uuid.UUID | None = None,
    module_key: str | None = None,
    with_process: bool = False,
) -> Component:
    visible = frozenset(visible_modules(commune, registry))
    commune_id = commune.id  # the loader outlives the request (the memo reloads with it)

    async def load(own: AsyncSession) -> Component | None:
        return await ComponentRepository(own, commune_id).get_visible(
            component_id,
            include_hidden=include_hidden,
            visible_modules=visible,
            process_id=process_id,
            module_key=module_key,
            with_process=with_process,
        )

    key = _component_key(commune, visible, component_id, include_hidden, process_id, module_key, with_process)
    component = await memoized(session, key, load)
    if component is None:
        raise NotFound(f"component {component_id} not found")
    return component


async def list_components(
    session: AsyncSession,
    commune: Commune,
    registry: ModuleRegistry,
    process: ParticipatoryProcess,
    params: PageParams,
    *,
    include_hidden: bool,
    module_key: str | None = None,
    published: bool | None = None,
) -> tuple[list[Component], str | None]:
    return await ComponentRepository(session, commune.id).page(
        process.id,
        params,
        include_hidden=include_hidden,
        visible_modules=visible_modules(commune, registry),
        module_key=module_key,
        published=published,
    )


async def create_component(
    session: AsyncSession,
    registry: ModuleRegistry,
    commune: Commune,
    process: ParticipatoryProcess,
    data: ComponentCreate,
) -> Component:
    module = registry.get(data.module_key)
    if module is None:
        raise NotFound(
            f"module {data.module_key!r} is not installed on this platform", reason="module_not_installed"
        )
    if data.module_key not in visible_modules(commune, registry):
        raise InvalidInput(
            f"module {data.module_key!r} is not enabled for this commune",
            reason="module_not_enabled",
            errors=[
                {
                    "location": ["body", "module_key"],
                    "message": "enable the module first",
                    "code": "module_not_enabled",
                }
            ],
        )
    check_locales(data.name, commune.locales, field="name")
    settings, steps = check_settings(module, process, data.settings, data.step_settings)
    repo = ComponentRepository(session, commune.id)
    position = data.position if data.position is not None else await repo.next_position(process.id)
    component = repo.add(
        Component(
            process_id=process.id,
            module_key=data.module_key,
            name=data.name,
            position=position,
            settings=settings or {},
            step_settings=steps or {},
        )
    )
    await repo.flush()
    trail.record(session, component, "create", trail.created(component, trail.COMPONENT_FIELDS))
    return component


async def update_component(
    session: AsyncSession,
    registry: ModuleRegistry,
    commune: Commune,
    process: ParticipatoryProcess,
    component: Component,
    data: ComponentUpdate,
) -> Component:
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, {"name", "position", "settings", "step_settings"})
    check_locales(changes.get("name"), commune.locales, field="name")
    if "settings" in changes or "step_settings" in changes:
        module = registry.get(component.module_key)
        if module is None:
            raise Conflict(
                f"module {component.module_key!r} is no longer installed; its settings cannot be checked",
                reason="module_not_installed",
            )
        settings, steps = check_settings(module, process, data.settings, data.step_settings)
        if settings is not None:
            changes["settings"] = settings
        if steps is not None:
            changes["step_settings"] = steps
    before = snapshot(component, list(changes))
    for key, value in changes.items():
        setattr(component, key, value)
    component.updated_at = utcnow()
    await session.flush()
    changed = diff(before, snapshot(component, list(changes)))
    if changed:
        trail.record(session, component, "update", changed)
    return component


async def delete_component(session: AsyncSession, component: Component) -> None:
    trail.record(session, component, "delete", trail.deleted(component, ("module_key", "name")))
    await session.delete(component)
    await session.flush()
