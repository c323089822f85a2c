"""The proposals' points in the places index (``civicapi.places``), written in the unit of work of every
change a map shows: create, edit (point, title, category), publish, withdraw, delete a draft, a published
answer (the status), import. Supports change the ``supports`` figure in one statement each time."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.modules.proposals.models import PUBLISHED, Proposal
from civicapi.places.service_index import PlaceFacts, PlaceRef
from civicapi.places.service_reindex import (
    district_to_adopt,
    places_hook,
    row_facts,
    set_figures,
    write_place,
)

MODULE, TYPE = "proposals", "proposal"


def ref(commune_id: uuid.UUID, proposal_id: uuid.UUID) -> PlaceRef:
    return PlaceRef(commune_id, MODULE, TYPE, proposal_id)


def place_of(proposal: Proposal) -> tuple[PlaceRef, PlaceFacts | None]:
    """Shown on a map once published (a draft or a withdrawn proposal is not); its status is the published
    answer's state when there is one, else the proposal's (draft, published, withdrawn)."""
    published = proposal.status == PUBLISHED
    return ref(proposal.commune_id, proposal.id), row_facts(
        proposal,
        status=proposal.state if published and proposal.state else proposal.status,
        published=published,
        occurs_at=proposal.published_at,
        figures={"supports": proposal.supports_count},
    )


async def sync(
    session: AsyncSession, proposal: Proposal, *, adopt_district: bool = False, allowed: Sequence[str] = ()
) -> None:
    """Write the proposal's place (or remove it: no point). With ``adopt_district`` (no district was
    given with the point), the district its point falls in becomes the proposal's, when the component
    allows it (``allowed``: the component's districts; empty: any)."""
    located = await write_place(session, *place_of(proposal))
    if adopt_district and (code := district_to_adopt(located, allowed)) is not None:
        proposal.district = code


async def remove(session: AsyncSession, proposal: Proposal) -> None:
    await write_place(session, ref(proposal.commune_id, proposal.id), None)


async def supports_changed(
    session: AsyncSession, commune_id: uuid.UUID, counts: Mapping[uuid.UUID, int]
) -> None:
    """The counted supports of these proposals changed: their ``supports`` figure follows at once."""
    for proposal_id, count in counts.items():
        await set_figures(session, ref(commune_id, proposal_id), {"supports": count})


PLACES = places_hook(Proposal, place_of)
