"""Who may see a survey, and the questionnaire a survey owns. One rule, used by every route that takes a
survey in its path:

- a draft: the holders of ``surveys.manage`` (its answers are test answers);
- published and closed surveys: everyone who may see the component.

Anyone else gets 404, as if the survey did not exist."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.dependencies import Caller
from civicapi.core.errors import NotFound
from civicapi.forms import service_definition as definitions
from civicapi.forms.models import Questionnaire
from civicapi.forms.service_definition import FormOwner
from civicapi.modules.surveys import permissions
from civicapi.modules.surveys.models import DRAFT, Survey
from civicapi.modules.surveys.repository import SurveyRepository
from civicapi.modules.surveys.settings import ComponentContext

KEY = "surveys"
OWNER_TYPE = "survey"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking: their account (``None`` when anonymous or an API key) and their rights here."""

    user_id: uuid.UUID | None
    manages: bool
    """Holds ``surveys.manage``: sees drafts and results not yet published."""
    exports: bool
    """Holds ``surveys.export``."""


def viewer_of(caller: Caller) -> Viewer:
    return Viewer(
        user_id=caller.user.id if caller.user is not None else None,
        manages=caller.can(permissions.MANAGE),
        exports=caller.can(permissions.EXPORT),
    )


def visible_to(survey: Survey, viewer: Viewer) -> bool:
    return viewer.manages or survey.status != DRAFT


async def get_survey(
    session: AsyncSession, ctx: ComponentContext, survey_id: uuid.UUID, *, viewer: Viewer
) -> Survey:
    """The survey of this component if the viewer may see it (the rule above); else 404."""
    survey = await SurveyRepository(session, ctx.commune_id).in_component(ctx.component_id, survey_id)
    if survey is None or not visible_to(survey, viewer):
        raise NotFound(f"survey {survey_id} not found")
    return survey


def form_owner(ctx: ComponentContext, survey: Survey) -> FormOwner:
    """The survey as the owner of its questionnaire (forms capability)."""
    return FormOwner(ctx.commune_id, KEY, OWNER_TYPE, survey.id, tuple(ctx.commune.locales))


async def questionnaire_of(session: AsyncSession, ctx: ComponentContext, survey: Survey) -> Questionnaire:
    """The survey's current questionnaire (every survey has one, created with it); 404 otherwise."""
    return await definitions.current_or_404(session, form_owner(ctx, survey))
