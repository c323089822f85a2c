"""The results use case of the surveys module: which version of a survey's questionnaire is read, how its
results may be seen (published or for managers only, k per survey), publishing them, and the audit entry of
each export of the answers. The counting itself is the forms capability's (``civicapi.forms.results``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import audit
from civicapi.core.links import ResourceRef
from civicapi.forms.models import Questionnaire
from civicapi.forms.results import ResultsPolicy, questionnaire_version
from civicapi.modules.surveys.common.reading import KEY, OWNER_TYPE, questionnaire_of
from civicapi.modules.surveys.models import Survey
from civicapi.modules.surveys.settings import ComponentContext

TRAIL = audit.ModuleTrail(KEY)
EXPORT_ACTION = "surveys.answers.export"


async def results_questionnaire(
    session: AsyncSession, ctx: ComponentContext, survey: Survey, version: int | None
) -> Questionnaire:
    """The survey's current questionnaire, or its version ``version`` (an older one keeps its answers);
    404 ``no_version``."""
    if version is None:
        return await questionnaire_of(session, ctx, survey)
    return await questionnaire_version(session, ctx.commune_id, (KEY, OWNER_TYPE, survey.id), version)


def results_policy(survey: Survey) -> ResultsPolicy:
    """Published when the survey's results are (else for ``surveys.manage`` only); the survey's k."""
    return ResultsPolicy(published=survey.results_published, min_group_size=survey.min_group_size)


async def set_results_published(session: AsyncSession, survey: Survey, published: bool) -> Survey:
    """Publish the survey's results (whoever sees the survey sees them) or take them back; audited
    ``surveys.survey.results_publish`` / ``results_unpublish`` when it changes something."""
    if survey.results_published != published:
        survey.results_published = published
        TRAIL.record(
            session,
            commune_id=survey.commune_id,
            kind=OWNER_TYPE,
            id=survey.id,
            verb="results_publish" if published else "results_unpublish",
            changes={"results_published": [not published, published]},
        )
        await session.flush()
    return survey


async def record_export(session: AsyncSession, caller: Any, questionnaire: Questionnaire, fmt: str) -> None:
    """``surveys.answers.export`` about the survey, with the format and the questionnaire's version: the
    forms exports route runs it (committed) before it streams the first byte."""
    audit.record(
        session,
        commune_id=questionnaire.commune_id,
        action=EXPORT_ACTION,
        resource=ResourceRef(KEY, OWNER_TYPE, questionnaire.owner_id),
        changes={"format": fmt, "version": questionnaire.version},
    )
