"""The meetings' points in the places index (``civicapi.places``), written in the unit of work of every
change a map shows: create, edit (point, title, category, times, privacy), publish, withdraw, cancel,
delete a draft. A meeting is on the public map once published and not private (a transparent private
meeting is listed in outline, without its place); its date is its start."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.modules.agenda.models import PUBLISHED, Meeting
from civicapi.places.service_index import PlaceFacts, PlaceRef
from civicapi.places.service_reindex import district_to_adopt, places_hook, row_facts, write_place

MODULE, TYPE = "agenda", "meeting"


def place_of(meeting: Meeting) -> tuple[PlaceRef, PlaceFacts | None]:
    return PlaceRef(meeting.commune_id, MODULE, TYPE, meeting.id), row_facts(
        meeting,
        status=meeting.status,
        published=meeting.status == PUBLISHED and not meeting.private,
        occurs_at=meeting.start_at,
    )


async def sync(
    session: AsyncSession, meeting: Meeting, *, adopt_district: bool = False, allowed: Sequence[str] = ()
) -> None:
    """Write the meeting's place (or remove it: no point). With ``adopt_district`` (no district was given
    with the point), the district its point falls in becomes the meeting's, when the component allows it."""
    located = await write_place(session, *place_of(meeting))
    if adopt_district and (code := district_to_adopt(located, allowed)) is not None:
        meeting.district = code


async def remove(session: AsyncSession, meeting: Meeting) -> None:
    await write_place(session, place_of(meeting)[0], None)


PLACES = places_hook(Meeting, place_of)
