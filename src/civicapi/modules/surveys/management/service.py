"""Surveys of a component: create (a draft, with its questionnaire), read, list, edit, delete.

Services flush and never commit; nothing is written when a rule refuses. Every write is audited
``surveys.survey.<verb>`` (``rules.SURVEYS``). The lifecycle (publish, close, reopen) is
``service_lifecycle``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.pagination import PageParams
from civicapi.forms import service_definition as definitions
from civicapi.forms import service_owner
from civicapi.modules.surveys.common.reading import Viewer, form_owner
from civicapi.modules.surveys.exceptions import SurveysConflict
from civicapi.modules.surveys.management import rules
from civicapi.modules.surveys.management.repository import ManagementRepository, open_now
from civicapi.modules.surveys.management.schemas import SurveyCreate, SurveyLinks, SurveyRead, SurveyUpdate
from civicapi.modules.surveys.models import DRAFT, Survey
from civicapi.modules.surveys.settings import ComponentContext


def present(ctx: ComponentContext, survey: Survey, now: datetime | None = None) -> SurveyRead:
    """The survey as read: its fields, whether it is open now, and the links to what hangs under it."""
    url = ctx.url_of("surveys", survey.id)
    return SurveyRead.model_validate(
        {
            **{field: getattr(survey, field) for field in SurveyRead.model_fields if hasattr(survey, field)},
            "open": rules.is_open(survey, ctx, now or utcnow()),
            "links": SurveyLinks(
                questionnaire=url + "/form", responses=url + "/responses", results=url + "/results"
            ),
        }
    )


async def create_survey(
    session: AsyncSession, ctx: ComponentContext, data: SurveyCreate, *, viewer: Viewer
) -> Survey:
    """A draft survey and its questionnaire (version 1, no question yet, titled like the survey)."""
    values = rules.normalised(data.model_dump())
    rules.raise_invalid(rules.survey_errors(ctx, values))
    survey = Survey(component_id=ctx.component_id, status=DRAFT, created_by=viewer.user_id, **values)
    repo = ManagementRepository(session, ctx.commune_id)
    await rules.SURVEYS.add(session, rules.scope_of(ctx, survey), repo, survey)
    await definitions.get_or_create(session, form_owner(ctx, survey), title=survey.title)
    return survey


async def list_surveys(
    session: AsyncSession,
    ctx: ComponentContext,
    params: PageParams,
    *,
    viewer: Viewer,
    status: str | None = None,
    open_: bool | None = None,
) -> tuple[list[SurveyRead], str | None]:
    """A page of the component's surveys the viewer may see (``common.reading``: drafts for managers)."""
    now = utcnow()
    condition = None
    if open_ is not None:
        condition = open_now(now, ctx.step.answers_enabled)
        condition = condition if open_ else ~condition
    rows, cursor = await ManagementRepository(session, ctx.commune_id).page(
        ctx.component_id, params, manages=viewer.manages, status=status, open_filter=condition
    )
    return [present(ctx, row, now) for row in rows], cursor


async def _require_unanswered(
    session: AsyncSession, ctx: ComponentContext, survey: Survey, what: str
) -> None:
    """409 ``has_answers`` unless the survey has no counted answer; the check holds the survey's row
    until the commit, so an answer cannot be counted in between."""
    repo = ManagementRepository(session, ctx.commune_id)
    if survey.answers_count > 0 or not await repo.claim_unanswered(survey.id):
        raise SurveysConflict(f"the survey has answers: {what}", reason="has_answers")


async def update_survey(
    session: AsyncSession, ctx: ComponentContext, survey: Survey, data: SurveyUpdate
) -> Survey:
    """Wording, window, results' publicity, k: at any time; the flags that change what an answer is
    (``rules.FROZEN_ONCE_ANSWERED``) only while there is no counted answer."""
    changes = rules.normalised(data.model_dump(exclude_unset=True))
    rules.raise_invalid(rules.survey_errors(ctx, {**_fields(survey), **changes}))
    frozen = [f for f in rules.FROZEN_ONCE_ANSWERED if f in changes and changes[f] != getattr(survey, f)]
    if frozen:
        await _require_unanswered(session, ctx, survey, f"{', '.join(frozen)} can no longer change")
    await rules.SURVEYS.change(session, rules.scope_of(ctx, survey), survey, changes)
    return survey


def _fields(survey: Survey) -> dict[str, object]:
    return {field: getattr(survey, field) for field in rules.AUDIT_FIELDS}


async def delete_survey(session: AsyncSession, ctx: ComponentContext, survey: Survey) -> None:
    """A survey without counted answers (a draft always qualifies: its answers are test answers) goes,
    with every version of its questionnaire and their responses, its register and its answer tokens."""
    await _require_unanswered(session, ctx, survey, "it cannot be deleted (close it instead)")
    await service_owner.delete_owner_questionnaires(session, form_owner(ctx, survey))
    repo = ManagementRepository(session, ctx.commune_id)
    await rules.SURVEYS.remove(session, rules.scope_of(ctx, survey), repo, survey)
