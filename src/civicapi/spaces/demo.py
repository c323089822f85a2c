"""What modules' demo seeders (``CivicModule.demo``) build their content in: the demo's processes, phases
dated from today, published components. Through the services, as an administrator's requests would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.communes.repository import CommuneRepository
from civicapi.registry import DemoContext, ModuleRegistry
from civicapi.spaces import service as spaces
from civicapi.spaces import service_components as components
from civicapi.spaces.models import Component, ParticipatoryProcess, Phase
from civicapi.spaces.repository import ComponentRepository, ProcessRepository
from civicapi.spaces.schemas import ComponentCreate, PhaseCreate
from civicapi.spaces.service import today_in


@dataclass(frozen=True, slots=True)
class DemoSpot:
    """Where a module's seeder puts its content: the demo commune (its modules loaded), one of the demo's
    processes (phases loaded), and the module's component there if the seeder has run already."""

    commune: Commune
    process: ParticipatoryProcess
    component: Component | None


async def demo_spot(
    session: AsyncSession, context: DemoContext, slug: str, module_key: str
) -> DemoSpot | None:
    """The demo's process ``slug`` for module ``module_key``; None when the demo has no such process."""
    commune = await CommuneRepository(session).by_id(context.commune_id, with_modules=True)
    process_id = context.processes.get(slug)
    if commune is None or process_id is None:
        return None
    process = await ProcessRepository(session, commune.id).get_visible(process_id, include_unpublished=True)
    if process is None:
        return None
    return DemoSpot(commune, process, await component_of(session, commune.id, process, module_key))


async def component_of(
    session: AsyncSession, commune_id: uuid.UUID, process: ParticipatoryProcess, module_key: str
) -> Component | None:
    """The process's first component of ``module_key`` (a seeder that finds its own has run already)."""
    existing = await ComponentRepository(session, commune_id).of_process(process.id)
    return next((c for c in existing if c.module_key == module_key), None)


async def add_phase(
    session: AsyncSession,
    commune: Commune,
    process: ParticipatoryProcess,
    title: dict[str, str],
    *,
    days: tuple[int, int],
) -> Phase:
    """A phase of ``process`` from ``days[0]`` to ``days[1]`` days from today (in the commune's zone)."""
    today = today_in(commune.timezone)
    phase = await spaces.create_phase(
        session,
        commune,
        process,
        PhaseCreate(
            title=title,
            start_date=today + timedelta(days=days[0]),
            end_date=today + timedelta(days=days[1]),
        ),
    )
    process.phases.append(phase)
    return phase


async def add_component(
    session: AsyncSession,
    registry: ModuleRegistry,
    commune: Commune,
    process: ParticipatoryProcess,
    module_key: str,
    name: dict[str, str],
    settings: dict[str, Any],
    step_settings: dict[uuid.UUID, dict[str, Any]] | None = None,
) -> Component:
    """A published component of ``process``."""
    data = ComponentCreate(
        module_key=module_key, name=name, settings=settings, step_settings=step_settings or {}
    )
    component = await components.create_component(session, registry, commune, process, data)
    await spaces.set_published(session, component, True)
    return component
