"""Spaces use cases: processes, their phases and the active phase, components and their settings.

Services flush, they never commit; every command records its audit entry (``spaces.audit_helpers``) in the
same unit of work. Visibility (drafts hidden from callers without ``spaces.preview``) is decided by the
``include_unpublished`` / ``include_hidden`` options, which dependencies derive from the caller.
"""

from __future__ import annotations

import logging
import uuid
import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.models import Commune
from civicapi.core.audit import diff, snapshot
from civicapi.core.db.base import utcnow
from civicapi.core.errors import Conflict, InvalidInput, NotFound, unique_reason
from civicapi.core.i18n import check_locales
from civicapi.core.pagination import PageParams
from civicapi.registry import CivicModule, ModuleRegistry
from civicapi.spaces import audit_helpers as trail
from civicapi.spaces.models import Component, ParticipatoryProcess, Phase
from civicapi.spaces.repository import ComponentRepository, PhaseRepository, ProcessRepository
from civicapi.spaces.schemas import (
    ComponentRead,
    PhaseCreate,
    PhaseUpdate,
    ProcessCreate,
    ProcessRead,
    ProcessUpdate,
)
from civicapi.spaces.settings import effective_settings

log = logging.getLogger(__name__)

PREVIEW_PERMISSION = "spaces.preview"
MANAGE_PERMISSION = "spaces.manage"

# Two requests racing for one slug: the loser's 409 says why, like the check that catches the usual case.
unique_reason(
    "uq_spaces_process_commune_id_slug", "slug_taken", "a process with this slug exists in this commune"
)


# --- active phase (pure) ---------------------------------------------------------------------------------


class PhaseLike(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def position(self) -> int: ...
    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date: ...


P = TypeVar("P", bound=PhaseLike)


def active_phase(phases: Sequence[P], override_id: uuid.UUID | None, today: date) -> P | None:
    """The pinned phase if ``override_id`` names one of ``phases``; else the phase whose dates (inclusive)
    contain ``today``, the lowest position first when several do; else None."""
    if override_id is not None:
        pinned = next((p for p in phases if p.id == override_id), None)
        if pinned is not None:
            return pinned
    current = [p for p in phases if p.start_date <= today <= p.end_date]
    return min(current, key=lambda p: (p.position, p.id.hex), default=None)


def today_in(timezone: str) -> date:
    """Today's calendar date in ``timezone`` (an IANA name; UTC if unknown)."""
    try:
        tz: zoneinfo.ZoneInfo | Any = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r, using UTC", timezone)
        tz = UTC
    return datetime.now(tz).date()


def current_phase(process: ParticipatoryProcess, timezone: str, *, today: date | None = None) -> Phase | None:
    """The active phase of ``process`` (its ``phases`` loaded) today in the commune's ``timezone``."""
    return active_phase(process.phases, process.active_phase_id, today or today_in(timezone))


# --- presentation ----------------------------------------------------------------------------------------


def process_read(process: ParticipatoryProcess, *, today: date) -> ProcessRead:
    """The process as clients read it, with the phase active on ``today`` (in the commune's time zone)."""
    return ProcessRead.build(process, active=active_phase(process.phases, process.active_phase_id, today))


def component_read(component: Component, *, phase: Phase | None, module: CivicModule | None) -> ComponentRead:
    """The component as clients read it, with its effective settings for the active ``phase``."""
    effective = effective_settings(component, phase, module=module)
    return ComponentRead.build(component, active_phase=phase, effective_settings=effective)


# --- helpers ---------------------------------------------------------------------------------------------


def reject_nulls(changes: Mapping[str, Any], fields: set[str]) -> None:
    nulls = sorted(k for k, v in changes.items() if v is None and k in fields)
    if nulls:
        raise InvalidInput(
            f"{', '.join(nulls)} cannot be null",
            errors=[{"location": ["body", k], "message": "cannot be null", "code": "null"} for k in nulls],
        )


def _check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            "end_date must not be before start_date",
            errors=[{"location": ["body", "end_date"], "message": "before start_date", "code": "date_order"}],
        )


def visible_modules(commune: Commune, registry: ModuleRegistry) -> set[str]:
    """Keys of the modules installed here and enabled by ``commune`` (its ``modules`` loaded)."""
    return {m.module_key for m in commune.modules if m.enabled and m.module_key in registry}


# --- processes -------------------------------------------------------------------------------------------


async def get_process(
    session: AsyncSession, commune: Commune, process_id: uuid.UUID, *, include_unpublished: bool
) -> ParticipatoryProcess:
    process = await ProcessRepository(session, commune.id).get_visible(
        process_id, include_unpublished=include_unpublished
    )
    if process is None:
        raise NotFound(f"process {process_id} not found")
    return process


async def list_processes(
    session: AsyncSession,
    commune: Commune,
    params: PageParams,
    *,
    include_unpublished: bool,
    published: bool | None = None,
) -> tuple[list[ParticipatoryProcess], str | None]:
    repo = ProcessRepository(session, commune.id)
    return await repo.page(params, include_unpublished=include_unpublished, published=published)


async def create_process(
    session: AsyncSession, commune: Commune, data: ProcessCreate
) -> ParticipatoryProcess:
    check_locales(data.title, commune.locales, field="title")
    check_locales(data.description, commune.locales, field="description")
    repo = ProcessRepository(session, commune.id)
    if await repo.slug_taken(data.slug):
        raise Conflict(f"a process with slug {data.slug!r} exists in this commune", reason="slug_taken")
    process = repo.add(
        ParticipatoryProcess(
            slug=data.slug,
            title=data.title,
            description=data.description or {},
            start_date=data.start_date,
            end_date=data.end_date,
            phases=[],
            components=[],
        )
    )
    await repo.flush()
    trail.record(session, process, "create", trail.created(process, trail.PROCESS_FIELDS))
    return process


async def update_process(
    session: AsyncSession, commune: Commune, process: ParticipatoryProcess, data: ProcessUpdate
) -> ParticipatoryProcess:
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, {"slug", "title"})
    check_locales(changes.get("title"), commune.locales, field="title")
    check_locales(changes.get("description"), commune.locales, field="description")
    _check_dates(changes.get("start_date", process.start_date), changes.get("end_date", process.end_date))
    repo = ProcessRepository(session, commune.id)
    if "slug" in changes and await repo.slug_taken(changes["slug"], exclude=process.id):
        raise Conflict(f"a process with slug {changes['slug']!r} exists in this commune", reason="slug_taken")
    if "description" in changes and changes["description"] is None:
        changes["description"] = {}
    before = snapshot(process, list(changes))
    for key, value in changes.items():
        setattr(process, key, value)
    process.updated_at = utcnow()
    await repo.flush()
    changed = diff(before, snapshot(process, list(changes)))
    if changed:
        trail.record(
            session, process, "update", changed, public=trail.process_update_is_public(process, changed)
        )
    return process


async def delete_process(session: AsyncSession, process: ParticipatoryProcess) -> None:
    """Delete the process with its phases and components (the database cascades)."""
    trail.record(session, process, "delete", trail.deleted(process, ("slug", "title")))
    await session.delete(process)
    await session.flush()


async def set_published(
    session: AsyncSession, item: ParticipatoryProcess | Component, published: bool
) -> None:
    """Publish (keeping the first publication time) or unpublish a process or a component."""
    before = item.published_at
    if published and item.published_at is None:
        item.published_at = utcnow()
    elif not published and item.published_at is not None:
        item.published_at = None
    else:
        return
    item.updated_at = utcnow()
    await session.flush()
    verb = "publish" if published else "unpublish"
    changes = diff({"published_at": before}, {"published_at": item.published_at})
    trail.record(session, item, verb, changes, public=True)


async def set_active_phase(
    session: AsyncSession, process: ParticipatoryProcess, phase_id: uuid.UUID | None
) -> ParticipatoryProcess:
    """Pin ``phase_id`` as the active phase, or let the dates decide again (None)."""
    if phase_id is not None and all(p.id != phase_id for p in process.phases):
        raise InvalidInput(
            "this phase does not belong to the process",
            reason="unknown_phase",
            errors=[
                {
                    "location": ["body", "phase_id"],
                    "message": "not a phase of this process",
                    "code": "unknown_phase",
                }
            ],
        )
    before = process.active_phase_id
    process.active_phase_id = phase_id
    process.updated_at = utcnow()
    await session.flush()
    if before != phase_id:
        changes = diff({"active_phase_id": before}, {"active_phase_id": phase_id})
        trail.record(session, process, "set_active_phase", changes, public=trail.is_public(process))
    return process


# --- phases ----------------------------------------------------------------------------------------------


async def list_phases(
    session: AsyncSession, commune: Commune, process: ParticipatoryProcess, params: PageParams
) -> tuple[list[Phase], str | None]:
    return await PhaseRepository(session, commune.id).page(process.id, params)


def get_phase(process: ParticipatoryProcess, phase_id: uuid.UUID) -> Phase:
    phase = next((p for p in process.phases if p.id == phase_id), None)
    if phase is None:
        raise NotFound(f"phase {phase_id} not found in this process")
    return phase


async def create_phase(
    session: AsyncSession, commune: Commune, process: ParticipatoryProcess, data: PhaseCreate
) -> Phase:
    check_locales(data.title, commune.locales, field="title")
    check_locales(data.description, commune.locales, field="description")
    repo = PhaseRepository(session, commune.id)
    position = data.position if data.position is not None else await repo.next_position(process.id)
    phase = repo.add(
        Phase(
            process_id=process.id,
            position=position,
            title=data.title,
            description=data.description or {},
            start_date=data.start_date,
            end_date=data.end_date,
        )
    )
    process.updated_at = utcnow()
    await repo.flush()
    trail.record(
        session, phase, "create", trail.created(phase, trail.PHASE_FIELDS), public=trail.is_public(process)
    )
    return phase


async def update_phase(
    session: AsyncSession, commune: Commune, process: ParticipatoryProcess, phase: Phase, data: PhaseUpdate
) -> Phase:
    changes = data.model_dump(exclude_unset=True)
    reject_nulls(changes, {"title", "start_date", "end_date", "position"})
    check_locales(changes.get("title"), commune.locales, field="title")
    check_locales(changes.get("description"), commune.locales, field="description")
    _check_dates(changes.get("start_date", phase.start_date), changes.get("end_date", phase.end_date))
    if "description" in changes and changes["description"] is None:
        changes["description"] = {}
    before = snapshot(phase, list(changes))
    for key, value in changes.items():
        setattr(phase, key, value)
    phase.updated_at = process.updated_at = utcnow()
    await session.flush()
    changed = diff(before, snapshot(phase, list(changes)))
    if changed:
        trail.record(session, phase, "update", changed, public=trail.is_public(process))
    return phase


async def delete_phase(
    session: AsyncSession, commune: Commune, process: ParticipatoryProcess, phase: Phase
) -> None:
    """Delete a phase, unpin it if pinned, and drop the step settings components kept for it."""
    now = utcnow()
    removed = trail.deleted(phase, ("position", "title", "start_date", "end_date"))
    trail.record(session, phase, "delete", removed, public=trail.is_public(process))
    if process.active_phase_id == phase.id:
        process.active_phase_id = None
    key = str(phase.id)
    for component in await ComponentRepository(session, commune.id).of_process(process.id):
        if key in component.step_settings:
            component.step_settings = {k: v for k, v in component.step_settings.items() if k != key}
            component.updated_at = now
    process.phases.remove(phase)  # delete-orphan: deleted at flush, and gone from the loaded collection
    process.updated_at = now
    await session.flush()
