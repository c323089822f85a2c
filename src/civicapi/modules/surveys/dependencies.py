"""Path resources of the surveys module, validated once: the component (a surveys component of the
current commune that the caller may see), the survey of the path (if the caller may see it), and the paths
and permissions of the routes.

Each use case (``management/``, ``answering/``, ``results/``) adds the dependencies of its own resources
in its own package."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from civicapi.communes.dependencies import Caller, require
from civicapi.core.deps import SessionDep
from civicapi.forms.models import Questionnaire
from civicapi.modules.surveys import permissions
from civicapi.modules.surveys.common.reading import KEY, Viewer, get_survey, questionnaire_of, viewer_of
from civicapi.modules.surveys.models import Survey
from civicapi.modules.surveys.settings import ComponentContext, SurveysComponentSettings, SurveysStepSettings
from civicapi.spaces.dependencies import ResolvedComponent, component_dependency, context_dependency

__all__ = ["KEY"]

SurveyId = Annotated[uuid.UUID, Path(description="The survey's id.")]

SurveysComponent = Annotated[ResolvedComponent, Depends(component_dependency(KEY))]

ManageSurveys = Annotated[Caller, Depends(require(permissions.MANAGE))]
ExportAnswers = Annotated[Caller, Depends(require(permissions.EXPORT))]

get_context = context_dependency(KEY, (SurveysComponentSettings, SurveysStepSettings))

CurrentContext = Annotated[ComponentContext, Depends(get_context)]
"""The surveys component of the path."""

# Paths under the module's mount point, /v1/communes/{commune}/surveys.
COMPONENT = "/components/{component_id}"
SURVEYS = COMPONENT + "/surveys"
SURVEY = SURVEYS + "/{survey_id}"


async def get_viewer(resolved: SurveysComponent) -> Viewer:
    return viewer_of(resolved.caller)


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


async def valid_survey(
    survey_id: SurveyId, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep
) -> Survey:
    return await get_survey(session, ctx, survey_id, viewer=viewer)


CurrentSurvey = Annotated[Survey, Depends(valid_survey)]
"""The survey of the path, if the caller may see it (``common.reading``); else 404."""


async def survey_questionnaire(
    survey: CurrentSurvey, ctx: CurrentContext, session: SessionDep
) -> Questionnaire:
    return await questionnaire_of(session, ctx, survey)


CurrentQuestionnaire = Annotated[Questionnaire, Depends(survey_questionnaire)]
"""The current questionnaire of the survey of the path (forms capability)."""
