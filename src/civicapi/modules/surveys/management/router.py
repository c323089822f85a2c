"""Routes of the surveys' management use case (HTTP only)."""

from __future__ import annotations

from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.modules.surveys.dependencies import SURVEY, CurrentSurvey
from civicapi.modules.surveys.management.schemas import SurveyRead

router = GuardedRouter()


@router.get(
    SURVEY,
    operation_id="surveys_get",
    summary="A survey (drafts: for its managers only)",
    responses=problem_responses(404),
)
async def get_survey(survey: CurrentSurvey) -> SurveyRead:
    return SurveyRead.model_validate(survey)
