"""The results' points in the places index (``civicapi.places``), written in the unit of work of every
change a map shows: create (by hand, from a budget's funded projects: the project's point comes along,
from a CSV import), edit (point, title, status, category, progress, amounts), a parent's progress rolled up,
delete. A result is seen wherever its component is: always ``published``. Its status is its status's
key; its date its start date; its figures its ``progress`` and ``planned_amount``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.modules.accountability.models import Result, Status
from civicapi.modules.accountability.repository import StatusRepository
from civicapi.places.service_index import PlaceFacts, PlaceRef
from civicapi.places.service_reindex import (
    district_to_adopt,
    places_hook,
    row_facts,
    set_figures,
    write_place,
)

MODULE, TYPE = "accountability", "result"


def _ref(result: Result) -> PlaceRef:
    return PlaceRef(result.commune_id, MODULE, TYPE, result.id)


def figures(result: Result) -> dict[str, Any]:
    return {"progress": result.progress, "planned_amount": result.planned_amount}


def place_of(result: Result, status_key: str | None) -> tuple[PlaceRef, PlaceFacts | None]:
    start = result.start_date
    return _ref(result), row_facts(
        result,
        status=status_key,
        occurs_at=None if start is None else datetime.combine(start, time(), tzinfo=UTC),
        figures=figures(result),
    )


async def _statuses(session: AsyncSession, results: Sequence[Result]) -> Mapping[uuid.UUID, Status]:
    ids = {r.status_id for r in results if r.status_id is not None}
    if not ids:
        return {}
    return await StatusRepository(session, results[0].commune_id).by_ids(ids)


async def sync(session: AsyncSession, results: Sequence[Result], *, adopt_district: bool = False) -> None:
    """Write the results' places (or remove those without a point). With ``adopt_district`` (no district
    was given with the point), the district a point falls in becomes the result's."""
    statuses = await _statuses(session, results)
    for result in results:
        status = statuses.get(result.status_id) if result.status_id else None
        located = await write_place(session, *place_of(result, status.key if status else None))
        if adopt_district and (code := district_to_adopt(located)) is not None:
            result.district = code


async def progress_changed(session: AsyncSession, result: Result) -> None:
    """A parent's progress rolled up from its children: its figures follow, in one statement."""
    await set_figures(session, _ref(result), figures(result))


async def remove(session: AsyncSession, result: Result) -> None:
    await write_place(session, _ref(result), None)


async def _places_of(
    session: AsyncSession, results: Sequence[Result]
) -> list[tuple[PlaceRef, PlaceFacts | None]]:
    statuses = await _statuses(session, results)
    keys = {status_id: status.key for status_id, status in statuses.items()}
    return [place_of(r, keys.get(r.status_id) if r.status_id else None) for r in results]


PLACES = places_hook(Result, places_of=_places_of)
