"""Path resources of spaces, validated once: a process, phase or component of the current commune that the
caller may see (else 404), and :func:`component_dependency` for modules' routes."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.dependencies import Caller, CallerDep, RegistryDep, require
from civicapi.core.deps import SessionDep
from civicapi.core.errors import NotFound
from civicapi.registry import ModuleRegistry
from civicapi.spaces import kit, service, service_components
from civicapi.spaces.models import Component, ParticipatoryProcess, Phase
from civicapi.spaces.settings import resolve_settings

S = TypeVar("S", bound=BaseModel)
T = TypeVar("T", bound=BaseModel)

ProcessId = Annotated[uuid.UUID, Path(description="The process's id.")]
PhaseId = Annotated[uuid.UUID, Path(description="The phase's id.")]
ComponentId = Annotated[uuid.UUID, Path(description="The component's id.")]

ManageSpaces = Annotated[Caller, Depends(require(service.MANAGE_PERMISSION))]
"""The caller, holding ``spaces.manage`` in the current commune (else 401/403)."""


def can_preview(caller: Caller) -> bool:
    """Whether the caller sees unpublished processes and components."""
    return kit.previews(caller)


async def valid_process(
    process_id: ProcessId, caller: CallerDep, session: SessionDep
) -> ParticipatoryProcess:
    """The process (phases loaded) of the current commune, if the caller may see it; else 404."""
    return await service.get_process(
        session, caller.commune, process_id, include_unpublished=can_preview(caller)
    )


CurrentProcess = Annotated[ParticipatoryProcess, Depends(valid_process)]


async def valid_phase(phase_id: PhaseId, process: CurrentProcess) -> Phase:
    return service.get_phase(process, phase_id)


CurrentPhase = Annotated[Phase, Depends(valid_phase)]


async def valid_component(
    component_id: ComponentId,
    process: CurrentProcess,
    caller: CallerDep,
    session: SessionDep,
    registry: RegistryDep,
) -> Component:
    """A component of the path's process that the caller may see; else 404."""
    return await service_components.get_component(
        session,
        caller.commune,
        registry,
        component_id,
        include_hidden=can_preview(caller),
        process_id=process.id,
    )


CurrentComponent = Annotated[Component, Depends(valid_component)]


@dataclass(frozen=True, slots=True)
class ResolvedComponent:
    """A component as a module's route sees it: visible to the caller, with its settings for today."""

    component: Component
    caller: Caller
    """Who asked for it (modules' contexts take it from here rather than depending on the caller again:
    FastAPI walks a dependency's whole subtree at each place it is used)."""
    process: ParticipatoryProcess
    """Its process, with ``phases`` loaded."""
    active_phase: Phase | None
    settings: BaseModel
    """Component settings, parsed by the module's ``component_settings_schema``."""
    step_settings: BaseModel
    """Step settings of the active phase (defaults if none), parsed by ``step_settings_schema``."""
    effective_settings: dict[str, Any]
    """``settings`` overlaid with ``step_settings``, as JSON."""


async def resolve_component(
    request: Request, session: AsyncSession, caller: Caller, component_id: uuid.UUID, module_key: str
) -> ResolvedComponent:
    """What :func:`component_dependency` resolves, as a plain call (for a module's dependency that resolves
    several things at once: FastAPI walks a dependency's subtree again at every place it is used)."""
    registry: ModuleRegistry = request.app.state.registry
    module = registry.get(module_key)
    if module is None:
        raise NotFound(f"module {module_key!r} is not installed on this platform")
    component = await service_components.get_component(
        session,
        caller.commune,
        registry,
        component_id,
        include_hidden=can_preview(caller),
        module_key=module_key,
        with_process=True,
    )
    process = component.process
    phase = service.current_phase(process, caller.commune.timezone)
    resolved = resolve_settings(component, phase, module)
    return ResolvedComponent(
        component=component,
        caller=caller,
        process=process,
        active_phase=phase,
        settings=resolved.settings,
        step_settings=resolved.step_settings,
        effective_settings=resolved.effective,
    )


@functools.cache  # one callable per module: FastAPI then resolves the component once per request
def component_dependency(module_key: str) -> Callable[..., Awaitable[ResolvedComponent]]:
    """Dependency factory for modules: resolves the path parameter ``component_id`` to a component of
    ``module_key`` in the current commune — published in a published process, or any when the caller holds
    ``spaces.preview`` — with its effective settings; else 404.

    Usage in a module::

        BudgetsComponent = Annotated[ResolvedComponent, Depends(component_dependency("budgets"))]
    """

    async def _component(
        request: Request, component_id: ComponentId, caller: CallerDep, session: SessionDep
    ) -> ResolvedComponent:
        return await resolve_component(request, session, caller, component_id, module_key)

    _component.__name__ = f"component_of_{module_key}"
    return _component


def context_dependency(
    module_key: str, types: tuple[type[S], type[T]]
) -> Callable[..., Awaitable[kit.ComponentContext[S, T]]]:
    """Dependency factory for modules: the component of the path (:func:`component_dependency`) as the
    module's services see it (:class:`civicapi.spaces.kit.ComponentContext`, settings checked against
    ``types``: component settings, step settings). Usage in a module::

        get_context = context_dependency("agenda", (AgendaComponentSettings, AgendaStepSettings))
        CurrentContext = Annotated[ComponentContext, Depends(get_context)]
    """
    resolve = component_dependency(module_key)

    async def _context(
        resolved: Annotated[ResolvedComponent, Depends(resolve)],
    ) -> kit.ComponentContext[S, T]:
        return kit.component_context(
            resolved.caller.commune,
            resolved.component,
            resolved.process,
            resolved.settings,
            resolved.step_settings,
            types=types,
        )

    _context.__name__ = f"context_of_{module_key}"
    # Real objects, not the strings this module's annotations are: FastAPI reads them from the signature.
    _context.__annotations__ = {
        "resolved": Annotated[ResolvedComponent, Depends(resolve)],
        "return": kit.ComponentContext,
    }
    return _context
