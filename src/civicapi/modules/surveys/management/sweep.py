"""The periodic sweep (``CivicModule.on_start``): every published survey whose ``ends_at`` has passed is
closed and sealed, as a manager's close would, one unit of work per survey. A survey whose close fails is
logged and tried again at the next round."""

from __future__ import annotations

import logging
import random
from datetime import datetime
from typing import Any

from civicapi.core.db.base import utcnow
from civicapi.core.db.session import Database
from civicapi.core.periodic import run_every
from civicapi.modules.surveys.management import rules
from civicapi.modules.surveys.management.repository import (
    ManagementRepository,
    component_is_public,
    surveys_past_their_end,
)
from civicapi.modules.surveys.management.service_lifecycle import close_if_published

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0
"""How often a running process closes the surveys past their end."""


async def close_ended(db: Database, now: datetime | None = None, *, rng: random.Random | None = None) -> int:
    """Close and seal every published survey past its end, in every commune; how many were closed."""
    async with db.unit_of_work(readonly=True) as session:
        found = await surveys_past_their_end(session, now or utcnow())
    closed = 0
    for commune_id, survey_id in found:
        try:
            async with db.unit_of_work() as session:
                survey = await ManagementRepository(session, commune_id).get(survey_id)
                if survey is None:
                    continue
                scope = rules.Scope(commune_id, await component_is_public(session, survey.component_id))
                closed += await close_if_published(session, scope, survey, by="schedule", rng=rng)
        except Exception:
            log.exception("closing survey %s past its end failed; trying again at the next round", survey_id)
    return closed


async def keep_closing(state: Any) -> None:
    """``on_start``: :func:`close_ended` now, then every :data:`SWEEP_SECONDS` until the app stops."""
    await run_every(SWEEP_SECONDS, [("closing surveys past their end", lambda: close_ended(state.db))], log)
