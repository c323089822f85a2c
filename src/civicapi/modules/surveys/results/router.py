"""Routes of the surveys' results use case (HTTP only): the forms capability's results and exports routes
mounted under a survey (``SURVEY/results``, ``SURVEY/results/answers``, ``SURVEY/responses/export``), and
the publication of the results (``PUT SURVEY/results-publication``).

(No ``from __future__ import annotations`` here: FastAPI must see the dependencies' annotations as
objects.)"""

from typing import Annotated

from fastapi import Query

from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.forms.models import Questionnaire
from civicapi.forms.results import ResultsPolicy
from civicapi.forms.router_results import exports_router, results_router
from civicapi.modules.surveys import permissions
from civicapi.modules.surveys.dependencies import SURVEY, CurrentContext, CurrentSurvey, ManageSurveys
from civicapi.modules.surveys.results import service
from civicapi.modules.surveys.results.schemas import ResultsPublicationRead, ResultsPublicationWrite

router = GuardedRouter()


async def results_questionnaire(
    survey: CurrentSurvey,
    ctx: CurrentContext,
    session: SessionDep,
    version: Annotated[
        int | None,
        Query(ge=1, le=10_000, description="A version of the questionnaire (default: the current one)."),
    ] = None,
) -> Questionnaire:
    return await service.results_questionnaire(session, ctx, survey, version)


async def results_policy(survey: CurrentSurvey) -> ResultsPolicy:
    return service.results_policy(survey)


router.include_router(
    results_router(
        results_questionnaire,
        manage_permission=permissions.MANAGE,
        policy=results_policy,
        tags=["surveys"],
        operation_prefix="surveys_survey",
    ),
    prefix=SURVEY,
)
router.include_router(
    exports_router(
        results_questionnaire,
        export_permission=permissions.EXPORT,
        on_export=service.record_export,
        tags=["surveys"],
        operation_prefix="surveys_survey",
    ),
    prefix=SURVEY,
)


@router.put(
    SURVEY + "/results-publication",
    operation_id="surveys_survey_results_publication_put",
    response_model=ResultsPublicationRead,
    responses=problem_responses(401, 403, 404, 422),
    summary="Publish the survey's results, or keep them for its managers",
)
async def put_results_publication(
    body: ResultsPublicationWrite, survey: CurrentSurvey, session: SessionDep, _: ManageSurveys
) -> ResultsPublicationRead:
    survey = await service.set_results_published(session, survey, body.published)
    return ResultsPublicationRead(
        survey_id=survey.id, published=survey.results_published, min_group_size=survey.min_group_size
    )
