"""A survey's lifecycle: publish a draft, close a published survey (and seal it), reopen a closed one.

Each change of status is a conditional UPDATE of the survey's row (``repository.move``): answering counts
an answer by a conditional UPDATE of the same row first in its transaction, so a close waits for the
answers being written and an answer after the close finds it closed (``docs/modules/surveys.md``,
"Closing and answering").

**Publish** cleans the test answers (the draft's responses, ``is_test``, and its register). **Close**
seals: every link from the register to a response (``Participant.response_id``) is emptied, and an
anonymous survey's responses are re-issued under new random ids in a random order, the old rows deleted
(``forms.service_seal``), in the same transaction. **Reopen** is for a survey that is not anonymous: an
anonymous survey's seal is final (its answers were re-issued so that nothing leads back to the moment or
the order they came in; answers taken after a reopening would stand apart again)."""

from __future__ import annotations

import random

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.events import Event, EventBus
from civicapi.forms import service_owner, service_seal
from civicapi.modules.surveys.common.reading import KEY
from civicapi.modules.surveys.exceptions import SurveysConflict
from civicapi.modules.surveys.management import rules
from civicapi.modules.surveys.management.repository import ManagementRepository
from civicapi.modules.surveys.models import CLOSED, DRAFT, PUBLISHED, Survey
from civicapi.modules.surveys.settings import ComponentContext

SURVEY_PUBLISHED = "surveys.survey_published"
"""Event: a survey was published (payload: survey and component ids, title, window)."""
SURVEY_CLOSED = "surveys.survey_closed"
"""Event: a survey was closed and sealed (payload: survey and component ids, answers, ``by``)."""


def _publish(session: AsyncSession, name: str, survey: Survey, scope: rules.Scope, **payload: object) -> None:
    EventBus.publish(
        session,
        Event(
            name,
            scope.commune_id,
            {"survey_id": str(survey.id), "component_id": str(survey.component_id), **payload},
            source_module=KEY,
        ),
    )


async def publish_survey(session: AsyncSession, ctx: ComponentContext, survey: Survey) -> Survey:
    """A draft with at least one question to answer is published; its test answers are deleted."""
    if survey.status != DRAFT:
        raise SurveysConflict("only a draft is published", reason="not_a_draft")
    owner = rules.owner_of(ctx.commune_id, survey.id)
    if await service_owner.answerable_questions(session, owner) == 0:
        raise SurveysConflict("the questionnaire has no question to answer", reason="no_questions")
    now = utcnow()
    if survey.ends_at is not None and survey.ends_at <= now:
        raise SurveysConflict("the survey's window has ended: change `ends_at` first", reason="ended")
    repo = ManagementRepository(session, ctx.commune_id)
    if not await repo.move(survey.id, DRAFT, PUBLISHED, published_at=now):
        raise SurveysConflict("only a draft is published", reason="not_a_draft")
    await service_owner.delete_test_responses(session, owner)
    await repo.delete_participants(survey.id)
    scope = rules.Scope(ctx.commune_id, ctx.public)
    await rules.SURVEYS.change(
        session, scope, survey, {"status": PUBLISHED, "published_at": now}, verb="publish"
    )
    _publish(
        session,
        SURVEY_PUBLISHED,
        survey,
        scope,
        title=dict(survey.title),
        starts_at=survey.starts_at.isoformat() if survey.starts_at else None,
        ends_at=survey.ends_at.isoformat() if survey.ends_at else None,
    )
    return survey


async def close_if_published(
    session: AsyncSession, scope: rules.Scope, survey: Survey, *, by: str, rng: random.Random | None = None
) -> bool:
    """Close and seal the survey if it is still published (False otherwise: nothing is written). ``by``:
    ``manager`` or ``schedule`` (its end passed); ``rng``: the seal's shuffle (tests)."""
    now = utcnow()
    repo = ManagementRepository(session, scope.commune_id)
    if not await repo.move(survey.id, PUBLISHED, CLOSED, closed_at=now):
        return False
    await repo.unlink_participants(survey.id)
    sealed = 0
    if survey.anonymous:
        sealed = await service_seal.seal_responses(
            session, rules.owner_of(scope.commune_id, survey.id), rng=rng
        )
    await rules.SURVEYS.change(session, scope, survey, {"status": CLOSED, "closed_at": now}, verb="close")
    await session.refresh(survey)
    _publish(session, SURVEY_CLOSED, survey, scope, answers=survey.answers_count, sealed=sealed, by=by)
    return True


async def close_survey(session: AsyncSession, ctx: ComponentContext, survey: Survey) -> Survey:
    """A manager closes a published survey: no more answers, sealed."""
    if survey.status == CLOSED:
        raise SurveysConflict("the survey is closed already", reason="closed")
    scope = rules.scope_of(ctx, survey)
    if survey.status != PUBLISHED or not await close_if_published(session, scope, survey, by="manager"):
        raise SurveysConflict("only a published survey is closed", reason="not_published")
    return survey


async def reopen_survey(session: AsyncSession, ctx: ComponentContext, survey: Survey) -> Survey:
    """A closed survey that is not anonymous takes answers again, if its window has not ended."""
    if survey.status != CLOSED:
        raise SurveysConflict("only a closed survey is reopened", reason="not_closed")
    if survey.anonymous:
        raise SurveysConflict("an anonymous survey's answers are sealed for good", reason="sealed")
    if survey.ends_at is not None and survey.ends_at <= utcnow():
        raise SurveysConflict("the survey's window has ended: change `ends_at` first", reason="ended")
    repo = ManagementRepository(session, ctx.commune_id)
    if not await repo.move(survey.id, CLOSED, PUBLISHED, closed_at=None):
        raise SurveysConflict("only a closed survey is reopened", reason="not_closed")
    changes = {"status": PUBLISHED, "closed_at": None}
    await rules.SURVEYS.change(session, rules.scope_of(ctx, survey), survey, changes, verb="reopen")
    await session.refresh(survey)
    return survey
