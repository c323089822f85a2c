"""Sealing an owner's responses (an anonymous survey when it closes, as the budgets module seals its urn):
every response of every version of the owner's questionnaire, with its answers and chosen options, is
re-issued under new random ids and a new random respondent, in a random order (``secrets``), and the old
rows are deleted, in the caller's transaction. Afterwards no id a respondent or a link ever saw leads to
a response, and the order of the rows says nothing of the order they came in; the content, and so the
results, are unchanged (``repository_seal``). Services never commit."""

from __future__ import annotations

import random
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.forms import repository_owner
from civicapi.forms.repository_seal import SealRepository
from civicapi.forms.service_definition import FormOwner, record


async def seal_responses(session: AsyncSession, owner: FormOwner, *, rng: random.Random | None = None) -> int:
    """Re-issue every response of the owner's questionnaires (above); how many. ``rng`` shuffles them
    (default: :class:`secrets.SystemRandom`; tests pass their own to know the order). Audited
    ``forms.questionnaire.seal`` on the current version, with the number of responses."""
    ids = await repository_owner.questionnaire_ids(
        session, owner.commune_id, owner.module, owner.type, owner.id
    )
    repo = SealRepository(session, owner.commune_id)
    order = await repo.response_ids(ids)
    (rng or secrets.SystemRandom()).shuffle(order)
    await repo.reissue(order)
    if ids:
        record(session, owner, "questionnaire", ids[-1], "seal", {"responses": len(order)})
    return len(order)
