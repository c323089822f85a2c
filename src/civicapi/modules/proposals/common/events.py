"""Builds the events of ``contract.py`` from proposals and records them on the unit of work (they leave
only if it commits)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.events import Event, EventBus
from civicapi.modules.proposals import contract
from civicapi.modules.proposals.models import Proposal
from civicapi.modules.proposals.settings import ComponentContext
from civicapi.modules.proposals.states import StateInfo

MODULE = "proposals"
DELETED_PARTICIPANT = "deleted participant"


def author_names(proposal: Proposal) -> list[str]:
    """Public names of the authors (``authorships`` loaded); erased ones read "deleted participant"."""
    return [a.display_name or DELETED_PARTICIPANT for a in proposal.authorships]


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _common(proposal: Proposal, ctx: ComponentContext) -> contract.ProposalEventPayload:
    return {
        "version": contract.PAYLOAD_VERSION,
        "proposal_id": str(proposal.id),
        "reference": proposal.reference,
        "component_id": str(ctx.component.id),
        "process_id": str(ctx.process.id),
        "title": dict(proposal.title),
        "category": proposal.category,
        "district": proposal.district,
        "address": proposal.address,
        "latitude": proposal.latitude,
        "longitude": proposal.longitude,
        "official": proposal.official,
        "author_names": [] if proposal.official else author_names(proposal),
    }


def _publish(session: AsyncSession, ctx: ComponentContext, name: str, payload: Mapping[str, object]) -> None:
    EventBus.publish(session, Event(name, ctx.commune.id, dict(payload), source_module=MODULE))


def published(session: AsyncSession, ctx: ComponentContext, proposal: Proposal) -> None:
    payload: contract.ProposalPublishedPayload = {
        **_common(proposal, ctx),
        "body": dict(proposal.body),
        "published_at": _iso(proposal.published_at),
    }
    _publish(session, ctx, contract.PUBLISHED, payload)


def answered(session: AsyncSession, ctx: ComponentContext, proposal: Proposal, state: StateInfo) -> None:
    payload: contract.ProposalAnsweredPayload = {
        **_common(proposal, ctx),
        "state": state.token,
        "state_name": dict(state.name),
        "accepted": state.accepted,
        "answer": proposal.answer_text,
        "cost": proposal.cost,
        "cost_explanation": proposal.cost_explanation,
        "execution_period": proposal.execution_period,
        "answered_at": _iso(proposal.answered_at),
        "published_at": _iso(proposal.answer_published_at),
        "supports_count": proposal.supports_count,
    }
    _publish(session, ctx, contract.ANSWERED, payload)


def withdrawn(session: AsyncSession, ctx: ComponentContext, proposal: Proposal) -> None:
    payload: contract.ProposalWithdrawnPayload = {
        **_common(proposal, ctx),
        "withdrawn_at": _iso(proposal.withdrawn_at),
    }
    _publish(session, ctx, contract.WITHDRAWN, payload)
