"""Hooks the platform calls: a person's data export and erasure (GDPR), across every commune.

Erasure keeps what the commune and other residents rely on: a published proposal stays, authored by
"deleted participant" (its authorship keeps its place with no account and a blank name); supports stay
counted, without a person; reviews stay, without their valuator. What was never public goes: drafts
they alone authored (and their place among other drafts' authors), their valuator assignments and their
per-component tallies.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.modules.proposals.repository_review import PersonalDataRepository


async def export_personal_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    """The person's proposals (as author), supports and reviews (with their private notes)."""
    repo = PersonalDataRepository(session)
    return {
        "proposals": [
            {
                "id": str(p.id),
                "commune_id": str(p.commune_id),
                "component_id": str(p.component_id),
                "reference": p.reference,
                "status": p.status,
                "title": p.title,
                "body": p.body,
                "address": p.address,
                "latitude": p.latitude,
                "longitude": p.longitude,
                "category": p.category,
                "district": p.district,
                "created_at": p.created_at.isoformat(),
                "published_at": p.published_at.isoformat() if p.published_at else None,
                "withdrawn_at": p.withdrawn_at.isoformat() if p.withdrawn_at else None,
            }
            for p in await repo.authored(user_id)
        ],
        "supports": [
            {
                "proposal_id": str(s.proposal_id),
                "proposal_reference": reference,
                "commune_id": str(s.commune_id),
                "counted": s.counted,
                "created_at": s.created_at.isoformat(),
            }
            for s, reference in await repo.supports(user_id)
        ],
        "reviews": [
            {
                "proposal_id": str(r.proposal_id),
                "proposal_reference": reference,
                "commune_id": str(r.commune_id),
                "criteria": r.results,
                "notes": r.notes,
                "updated_at": r.updated_at.isoformat(),
            }
            for r, reference in await repo.reviews(user_id)
        ],
    }


async def erase_personal_data(session: AsyncSession, user_id: uuid.UUID) -> None:
    await PersonalDataRepository(session).erase(user_id)
