"""Audit entries of the spaces' commands (``spaces.<process|phase|component>.<verb>``).

What residents see is public: publishing and unpublishing, and changes to a published process's title,
dates and phases (its active phase included). Everything else is for the commune's admins only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import audit
from civicapi.spaces.models import Component, ParticipatoryProcess, Phase

MODULE = "spaces"
PROCESS_FIELDS = ("slug", "title", "description", "start_date", "end_date")
PUBLIC_PROCESS_FIELDS = frozenset({"title", "start_date", "end_date"})
PHASE_FIELDS = ("process_id", "position", "title", "description", "start_date", "end_date")
COMPONENT_FIELDS = ("process_id", "module_key", "name", "position", "settings", "step_settings")

Audited = ParticipatoryProcess | Phase | Component


def _kind(item: Audited) -> str:
    if isinstance(item, ParticipatoryProcess):
        return "process"
    if isinstance(item, Phase):
        return "phase"
    return "component"


_TRAIL = audit.ModuleTrail(MODULE)
created = audit.created
deleted = audit.deleted


def record(
    session: AsyncSession, item: Audited, verb: str, changes: Mapping[str, Any], *, public: bool = False
) -> None:
    """Record ``spaces.<kind>.<verb>`` about ``item`` (flushed: its id is known)."""
    _TRAIL.record(
        session,
        commune_id=item.commune_id,
        kind=_kind(item),
        id=item.id,
        verb=verb,
        changes=changes,
        public=public,
    )


def is_public(process: ParticipatoryProcess) -> bool:
    """Whether residents see ``process``, hence its title, dates and phases."""
    return process.published_at is not None


def process_update_is_public(process: ParticipatoryProcess, changes: Mapping[str, Any]) -> bool:
    return is_public(process) and not PUBLIC_PROCESS_FIELDS.isdisjoint(changes)
