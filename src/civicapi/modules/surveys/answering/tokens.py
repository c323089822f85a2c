"""Answer tokens: what lets someone without an account answer a survey that allows it. Issued by the API,
rate-limited per client address, one answer each; only their SHA-256 is stored. A new browser is not a new
vote: a token is not a cookie a browser holds but a value only this endpoint gives, as often per hour as the
component allows one address."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.ratelimit import RateLimiter
from civicapi.modules.surveys.answering.repository import Tokens
from civicapi.modules.surveys.answering.rules import key_hash, refuse_unless_open
from civicapi.modules.surveys.answering.schemas import AnswerTokenRead
from civicapi.modules.surveys.answering.service import refuse_without_account
from civicapi.modules.surveys.models import Survey
from civicapi.modules.surveys.settings import ComponentContext

LIFETIME = timedelta(hours=24)
"""A token not spent within a day is refused (403 ``invalid_token``); the survey's end comes first."""
ACTION = "survey_answer_token"


async def issue(
    session: AsyncSession,
    ctx: ComponentContext,
    survey: Survey,
    *,
    limiter: RateLimiter,
    client_address: str,
) -> AnswerTokenRead:
    """A new token for the survey: 409 ``accounts_required`` / ``closed`` / ``not_open_yet``, 403
    ``requirements_not_met`` / ``answers_disabled``, 429 past the component's ``answer_tokens_per_hour``
    from this address (counted per component)."""
    refuse_without_account(ctx, survey)
    now = utcnow()
    refuse_unless_open(ctx, survey, now)
    per_hour = ctx.settings.answer_tokens_per_hour
    await limiter.hit(ACTION, f"{per_hour}/hour", str(ctx.component_id), client_address)
    token = secrets.token_urlsafe(32)
    expires_at = now + LIFETIME
    if survey.ends_at is not None:
        expires_at = min(expires_at, survey.ends_at)
    hashed = key_hash(token)
    assert hashed is not None
    await Tokens(session, ctx.commune_id).add(survey.id, hashed, now, expires_at)
    return AnswerTokenRead(token=token, expires_at=expires_at)
