"""SQL of answering surveys: the survey's count (the conditional UPDATE that orders answers with the
close), the register of who has answered, the one-time answer tokens, and a person's register rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.modules.surveys.models import PUBLISHED, AnswerToken, Participant, Survey


async def count_answer(session: AsyncSession, survey_id: uuid.UUID, delta: int = 1) -> bool:
    """``answers_count + delta`` on a published survey (False: it is not published any more). Run first in
    an answer's transaction: the survey's row it locks orders answers with the close (a close that won makes
    this match no row). ``delta`` 0 only takes that lock (an edit). ``updated_at`` is kept: an answer's time
    is not written anywhere it could be joined from."""
    result = await session.execute(
        update(Survey)
        .where(Survey.id == survey_id, Survey.status == PUBLISHED)
        .values(answers_count=Survey.answers_count + delta, updated_at=Survey.updated_at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


class Register:
    """The register of who has answered a survey (one row per person and survey)."""

    def __init__(self, session: AsyncSession, commune_id: uuid.UUID) -> None:
        self.session = session
        self.commune_id = commune_id

    async def of(self, survey_id: uuid.UUID, user_id: uuid.UUID) -> Participant | None:
        return await self.session.scalar(
            select(Participant)
            .where(
                Participant.commune_id == self.commune_id,
                Participant.survey_id == survey_id,
                Participant.user_id == user_id,
            )
            .execution_options(populate_existing=True)
        )

    async def add(
        self,
        survey_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        response_id: uuid.UUID | None,
        idempotency_key: str | None,
    ) -> None:
        """The person's row (no time): an ``IntegrityError`` when they are registered already."""
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "commune_id": self.commune_id,
            "survey_id": survey_id,
            "user_id": user_id,
            "answers": 1,
            "response_id": response_id,
            "idempotency_key": idempotency_key,
        }
        await self.session.execute(insert(Participant).values(**values))

    async def count_again(
        self, participant_id: uuid.UUID, *, response_id: uuid.UUID | None, idempotency_key: str | None
    ) -> None:
        """One more answer of a registered person (a survey that takes several): a conditional UPDATE."""
        await self.session.execute(
            update(Participant)
            .where(Participant.id == participant_id)
            .values(answers=Participant.answers + 1, response_id=response_id, idempotency_key=idempotency_key)
            .execution_options(synchronize_session=False)
        )


async def participations_of(session: AsyncSession, user_id: uuid.UUID) -> Sequence[Participant]:
    """Every register row of the person, in every commune (their data export)."""
    rows = await session.scalars(
        select(Participant).where(Participant.user_id == user_id).order_by(Participant.id)
    )
    return rows.all()


async def forget_person(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Delete the person's register rows, in every commune (their erasure)."""
    await session.execute(delete(Participant).where(Participant.user_id == user_id))


class Tokens:
    """One-time answer tokens (only their SHA-256)."""

    def __init__(self, session: AsyncSession, commune_id: uuid.UUID) -> None:
        self.session = session
        self.commune_id = commune_id

    async def add(self, survey_id: uuid.UUID, token_hash: str, now: datetime, expires_at: datetime) -> None:
        await self.session.execute(
            insert(AnswerToken).values(
                id=uuid.uuid4(),
                commune_id=self.commune_id,
                survey_id=survey_id,
                token_hash=token_hash,
                created_at=now,
                expires_at=expires_at,
            )
        )

    async def spend(self, survey_id: uuid.UUID, token_hash: str, now: datetime) -> bool:
        """Mark the token used if it is this survey's, unused and unexpired (a conditional UPDATE: of many
        racing answers with one token, one spends it)."""
        result = await self.session.execute(
            update(AnswerToken)
            .where(
                AnswerToken.commune_id == self.commune_id,
                AnswerToken.survey_id == survey_id,
                AnswerToken.token_hash == token_hash,
                AnswerToken.used_at.is_(None),
                AnswerToken.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def was_used(self, survey_id: uuid.UUID, token_hash: str) -> bool:
        found = await self.session.scalar(
            select(AnswerToken.used_at).where(
                AnswerToken.commune_id == self.commune_id,
                AnswerToken.survey_id == survey_id,
                AnswerToken.token_hash == token_hash,
            )
        )
        return found is not None
