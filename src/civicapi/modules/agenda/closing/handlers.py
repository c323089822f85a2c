"""What the agenda keeps of the proposals module's events: the commune's proposals (id, title, reference),
so a closing can name the proposals discussed without reading the proposals module's tables. Receiving an
event twice is harmless (an upsert by proposal)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.events import Event, payload_as
from civicapi.modules.agenda.closing.repository import KnownProposalRepository
from civicapi.modules.agenda.models import KnownProposal

WITHDRAWN_AFTER: dict[str, bool | None] = {
    "proposals.published": False,
    "proposals.answered": None,  # unchanged
    "proposals.withdrawn": True,
}
"""The proposals module's events heard here, and whether the proposal is withdrawn after each."""


class ProposalPayload(BaseModel):
    """The keys of the proposals module's event payloads read here (``contract.py`` there)."""

    model_config = ConfigDict(extra="ignore")

    proposal_id: uuid.UUID
    component_id: uuid.UUID
    process_id: uuid.UUID
    reference: str | None = None
    title: dict[str, str]


async def _keep(event: Event, session: AsyncSession, *, withdrawn: bool | None) -> None:
    data = payload_as(event, ProposalPayload)
    if data is None or event.commune_id is None:
        return
    proposals = KnownProposalRepository(session, event.commune_id)
    row = await proposals.by_proposal(data.proposal_id)
    if row is None:
        row = proposals.add(KnownProposal(commune_id=event.commune_id, proposal_id=data.proposal_id))
    row.component_id, row.process_id = data.component_id, data.process_id
    row.reference = (data.reference or "")[:40] or None
    row.title = data.title
    if withdrawn is not None:
        row.withdrawn = withdrawn
    elif row.withdrawn is None:
        row.withdrawn = False
    await session.flush()


async def on_proposal_event(event: Event, session: AsyncSession) -> None:
    await _keep(event, session, withdrawn=WITHDRAWN_AFTER.get(event.name))


SUBSCRIPTIONS = dict.fromkeys(WITHDRAWN_AFTER, on_proposal_event)
