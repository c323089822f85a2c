"""What the budgets module does when others speak: the proposals module's events (kept as candidates for
import), and the platform's personal-data hooks.

Erasure keeps every vote counted: a cast ballot stays, its register entry loses the account (the identity
key stays, so the person cannot vote again with a new account); a ballot still being built (never cast)
goes, with the person's idempotency records.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.events import Event, payload_as
from civicapi.modules.budgets.catalog.repository import CandidateRepository
from civicapi.modules.budgets.models import ProposalCandidate
from civicapi.modules.budgets.repository import AccountRepository
from civicapi.modules.budgets.voting.repository import scramble_voter_keys
from civicapi.modules.budgets.voting.service_voters import account_key

PUBLISHED = "proposals.published"
ANSWERED = "proposals.answered"
WITHDRAWN = "proposals.withdrawn"


class ProposalPayload(BaseModel):
    """The keys of the proposals module's event payloads this module reads (``contract.py`` there)."""

    model_config = ConfigDict(extra="ignore")

    proposal_id: uuid.UUID
    component_id: uuid.UUID
    process_id: uuid.UUID
    reference: str | None = None
    title: dict[str, str]
    body: dict[str, str] | None = None
    category: str | None = None
    district: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    state: str | None = None
    accepted: bool | None = None
    cost: int | None = None


async def _upsert(event: Event, session: AsyncSession, **changes: Any) -> None:
    data = payload_as(event, ProposalPayload)
    if data is None or event.commune_id is None:
        return
    candidates = CandidateRepository(session, event.commune_id)
    row = await candidates.by_proposal(data.proposal_id)
    if row is None:
        row = candidates.add(ProposalCandidate(commune_id=event.commune_id, proposal_id=data.proposal_id))
    row.source_component_id = data.component_id
    row.process_id = data.process_id
    row.reference = (data.reference or "")[:40] or None
    row.title = data.title
    if data.body is not None:
        row.body = data.body
    row.category = (data.category or "")[:60] or None
    row.district = (data.district or "")[:60] or None
    row.address = (data.address or "")[:300] or None
    row.latitude, row.longitude = data.latitude, data.longitude
    if event.name == ANSWERED:
        row.state = data.state
        row.accepted = bool(data.accepted)
        row.cost = data.cost
    for name, value in changes.items():
        setattr(row, name, value)
    await session.flush()


async def on_published(event: Event, session: AsyncSession) -> None:
    await _upsert(event, session, withdrawn=False)


async def on_answered(event: Event, session: AsyncSession) -> None:
    await _upsert(event, session)


async def on_withdrawn(event: Event, session: AsyncSession) -> None:
    await _upsert(event, session, withdrawn=True)


SUBSCRIPTIONS = {PUBLISHED: on_published, ANSWERED: on_answered, WITHDRAWN: on_withdrawn}


async def export_personal_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    """Where the person takes part; while a vote is open, their own ballot's choices too."""
    account = AccountRepository(session, user_id)
    out = []
    for voter in await account.register_entries():
        choices = None
        if voter.ballot_id is not None:
            items = await account.choices(voter.ballot_id)
            choices = [{"project_id": str(pid), "points": points} for pid, points in items]
        out.append(
            {
                "commune_id": str(voter.commune_id),
                "budget_id": str(voter.budget_id),
                "status": voter.status,
                "channel": voter.channel,
                "voted_at": voter.voted_at.isoformat() if voter.voted_at else None,
                "choices": choices,
            }
        )
    reminders = await account.reminders()
    return {
        "votes": out,
        "vote_reminders": [
            {
                "commune_id": str(r.commune_id),
                "component_id": str(r.component_id),
                "sent_count": r.sent_count,
                "last_sent_at": r.last_sent_at.isoformat(),
            }
            for r in reminders
        ],
    }


async def erase_personal_data(session: AsyncSession, user_id: uuid.UUID) -> None:
    account = AccountRepository(session, user_id)
    await account.delete_drafts()
    # What stays of their votes names no one: a register key derived from the account (a component asking
    # for no verification) would to whoever knows the id, and once a vote is closed no one needs the
    # identity key (while it is open, it keeps the resident from voting again from another account).
    await scramble_voter_keys(
        session,
        [
            voter_id
            for voter_id, commune_id, key, closed_at in await account.entries_with_closing()
            if closed_at is not None or key == account_key(commune_id, user_id)
        ],
    )
    await account.forget()
