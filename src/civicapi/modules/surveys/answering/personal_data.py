"""The surveys in a person's data export and erasure (``CivicModule`` hooks).

Export: their register rows (which surveys they answered, how many times) and their responses to
surveys that are not anonymous (an anonymous response is linked to nobody, so it is never here).
Erasure: their responses stay, counted, unlinked (forms ``erase_person``); their register rows are
deleted. Keeping them would keep "one answer per person" for an account that can no longer log in, so
nothing is lost; and a row that says a person answered an anonymous survey is personal data."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.forms import service_submission as forms
from civicapi.modules.surveys.answering.repository import forget_person, participations_of
from civicapi.modules.surveys.common.reading import KEY


async def export_personal_data(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    rows = await participations_of(session, user_id)
    answered = [{"survey_id": str(r.survey_id), "answers": r.answers} for r in rows]
    responses = await forms.export_person(session, user_id, owner_module=KEY)
    return {"answered": answered, **responses}


async def erase_personal_data(session: AsyncSession, user_id: uuid.UUID) -> None:
    await forms.erase_person(session, user_id, owner_module=KEY)
    await forget_person(session, user_id)
