"""What the accountability module does when others speak: the budgets module's published results are kept
as candidates (``accountability_project_candidate``), imported as results on request.

A later publication of the same budget's results replaces its selection: projects no longer selected stay
as candidates with ``selected = false`` (results already imported from them are kept)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.events import Event
from civicapi.core.links import ResourceRef, links_from
from civicapi.modules.accountability import contract
from civicapi.modules.accountability.models import ProjectCandidate
from civicapi.modules.accountability.repository import CandidateRepository

log = logging.getLogger(__name__)


class SelectedProject(BaseModel):
    model_config = ConfigDict(extra="ignore")

    project_id: uuid.UUID
    title: dict[str, str]
    cost: int | None = None
    code: str | None = None
    description: dict[str, str] | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    category: str | None = None
    district: str | None = None
    proposal_ids: list[uuid.UUID] | None = None


class ResultsPublished(BaseModel):
    """The keys of ``budgets.results_published`` this module reads (``contract.py``)."""

    model_config = ConfigDict(extra="ignore")

    budget_id: uuid.UUID
    component_id: uuid.UUID
    district: str | None = None
    selected: list[SelectedProject]


def _text(value: str | None, size: int) -> str | None:
    return (value or "").strip()[:size] or None


async def _proposals(session: AsyncSession, commune_id: uuid.UUID, project: SelectedProject) -> list[str]:
    if project.proposal_ids is not None:
        return [str(p) for p in project.proposal_ids]
    links = await links_from(
        session,
        commune_id=commune_id,
        source=ResourceRef("budgets", "project", project.project_id),
        name=contract.BUDGETS_PROPOSAL_LINK,
    )
    return [str(link.to_id) for link in links if link.to_module == "proposals" and link.to_type == "proposal"]


async def on_results_published(event: Event, session: AsyncSession) -> None:
    if event.commune_id is None:
        return
    try:
        data = ResultsPublished.model_validate(event.payload)
    except ValidationError:
        log.warning("ignoring %s event with an unexpected payload", event.name)
        return
    repo = CandidateRepository(session, event.commune_id)
    process_id = await repo.component_process(data.component_id)
    if process_id is None:
        return
    existing = {c.project_id: c for c in await repo.of_budget(data.budget_id)}
    for candidate in existing.values():
        candidate.selected = False
    for rank, project in enumerate(data.selected):
        row = existing.get(project.project_id)
        if row is None:
            row = ProjectCandidate(commune_id=event.commune_id, project_id=project.project_id)
            repo.add(row)
        fields: dict[str, Any] = {
            "budget_id": data.budget_id,
            "source_component_id": data.component_id,
            "process_id": process_id,
            "code": _text(project.code, 60),
            "title": project.title,
            "description": project.description or {},
            "cost": project.cost,
            "address": _text(project.address, 300),
            "latitude": project.latitude,
            "longitude": project.longitude,
            "category": _text(project.category, 60),
            "district": _text(project.district or data.district, 60),
            "proposal_ids": await _proposals(session, event.commune_id, project),
            "selected": True,
            "rank": rank,
        }
        for name, value in fields.items():
            setattr(row, name, value)
    await session.flush()


SUBSCRIPTIONS = {contract.BUDGETS_RESULTS_PUBLISHED: on_results_published}
