"""The budget projects' points in the places index (``civicapi.places``), written in the unit of work of
every change a map shows: a project created (by hand, from accepted proposals, from a Pabulib file),
edited (point, title, category, cost), deleted, its budget deleted, the results published (``selected``).

A project is seen wherever its component is (no draft, no hidden project): always ``published``. Its
status is ``selected`` or ``not_selected`` once the results are published (none before); its figures
are its cost (``amount``) and ``selected``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.modules.budgets.models import Project
from civicapi.places.service_index import PlaceFacts, PlaceRef
from civicapi.places.service_reindex import places_hook, remove_places, row_facts, write_place

MODULE, TYPE = "budgets", "project"


def ref(commune_id: uuid.UUID, project_id: uuid.UUID) -> PlaceRef:
    return PlaceRef(commune_id, MODULE, TYPE, project_id)


def place_of(project: Project) -> tuple[PlaceRef, PlaceFacts | None]:
    status = None if project.selected is None else ("selected" if project.selected else "not_selected")
    return ref(project.commune_id, project.id), row_facts(
        project, status=status, figures={"amount": project.cost, "selected": project.selected}
    )


async def sync(session: AsyncSession, projects: Sequence[Project]) -> None:
    """Write the projects' places (or remove those without a point)."""
    for project in projects:
        await write_place(session, *place_of(project))


async def remove(session: AsyncSession, commune_id: uuid.UUID, project_ids: Sequence[uuid.UUID]) -> None:
    await remove_places(session, commune_id, MODULE, TYPE, project_ids)


PLACES = places_hook(Project, place_of)
