"""What every answering route resolves from its path: the survey (if the caller may see it), its current
questionnaire, its component and who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from civicapi.forms.models import Questionnaire
from civicapi.modules.surveys.common.reading import Viewer
from civicapi.modules.surveys.dependencies import (
    CurrentContext,
    CurrentQuestionnaire,
    CurrentSurvey,
    ViewerDep,
)
from civicapi.modules.surveys.models import Survey
from civicapi.modules.surveys.settings import ComponentContext


@dataclass(frozen=True, slots=True)
class Answering:
    ctx: ComponentContext
    survey: Survey
    questionnaire: Questionnaire
    viewer: Viewer


async def answering(
    ctx: CurrentContext, survey: CurrentSurvey, questionnaire: CurrentQuestionnaire, viewer: ViewerDep
) -> Answering:
    return Answering(ctx, survey, questionnaire, viewer)


AnsweringDep = Annotated[Answering, Depends(answering)]
"""The survey of the path with its questionnaire, component and viewer (404 when the caller may not see
it)."""
