"""When a survey takes answers, and what an answer carries of its answerer: the rules every answering
route shares (no I/O but the verifications read for the breakdown attributes)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.identity.verification.models import Verification, VerificationStatus
from civicapi.identity.verification.repository import VerificationRepository
from civicapi.identity.verification.requirements import age_in
from civicapi.modules.surveys.exceptions import SurveysActionForbidden, SurveysConflict
from civicapi.modules.surveys.models import CLOSED, PUBLISHED, Survey
from civicapi.modules.surveys.settings import ComponentContext

AGE_BANDS: tuple[tuple[int, str], ...] = (
    (18, "under_18"),
    (25, "18-24"),
    (35, "25-34"),
    (50, "35-49"),
    (65, "50-64"),
)
"""Fixed age bands for results' breakdowns: (first age *not* in the band, its name); 65 and over is
``65_plus``. Ages are counted in calendar years from the verification's birth year (the only part of a
birth date the platform keeps)."""
OLDEST_BAND = "65_plus"
DISTRICT_LENGTH = 60
"""``forms_response.district``'s width."""


def key_hash(key: str | None) -> str | None:
    """The SHA-256 of an ``Idempotency-Key`` or of an answer token: what is stored of either."""
    return None if key is None else hashlib.sha256(key.encode()).hexdigest()


def age_band(birth_year: int, today: date) -> str:
    age = age_in(birth_year, today)
    for end, name in AGE_BANDS:
        if age < end:
            return name
    return OLDEST_BAND


def refuse_unless_open(ctx: ComponentContext, survey: Survey, now: datetime) -> None:
    """409 ``closed`` (closed, or its window ended) or ``not_open_yet``; 403 ``answers_disabled`` when
    the phase takes no answers. A draft is not refused here (its managers' answers are test answers)."""
    if survey.status == CLOSED or (survey.ends_at is not None and now >= survey.ends_at):
        raise SurveysConflict("the survey is closed", reason="closed")
    if survey.status == PUBLISHED and survey.starts_at is not None and now < survey.starts_at:
        raise SurveysConflict(
            f"the survey takes answers from {survey.starts_at.isoformat()}", reason="not_open_yet"
        )
    if not ctx.step.answers_enabled:
        raise SurveysActionForbidden("the current phase takes no answers", reason="answers_disabled")


def still_editable(survey: Survey, now: datetime) -> bool:
    """Whether an answer to the survey may still be changed (its editing allowed, open, window not over)."""
    return (
        survey.allow_editing
        and survey.status == PUBLISHED
        and (survey.ends_at is None or now < survey.ends_at)
    )


async def breakdown_attributes(
    session: AsyncSession, ctx: ComponentContext, user_id: uuid.UUID, now: datetime
) -> tuple[str | None, str | None]:
    """(district, age band) from the person's verifications in the commune: the most recent granted,
    unexpired one that records each (its ``metadata``'s ``district`` and ``birth_year``); None when none
    does."""
    verifications = await VerificationRepository(session, ctx.commune_id).of_user(user_id)
    district: str | None = None
    band: str | None = None
    for verification in verifications:
        if not _valid(verification, now):
            continue
        if district is None and isinstance(verification.meta.get("district"), str):
            district = verification.meta["district"][:DISTRICT_LENGTH]
        if band is None and isinstance(verification.meta.get("birth_year"), int):
            band = age_band(verification.meta["birth_year"], ctx.today)
    return district, band


def _valid(verification: Verification, now: datetime) -> bool:
    return verification.status == VerificationStatus.granted.value and not verification.is_expired(now)
