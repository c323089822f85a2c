"""Routes of the surveys' management use case (HTTP only): a component's surveys, each survey's
lifecycle, and its questionnaire's editor (the forms capability, under ``/form``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response, status

from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.forms.router_factory import definition_router
from civicapi.modules.surveys import permissions
from civicapi.modules.surveys.dependencies import (
    SURVEY,
    SURVEYS,
    CurrentContext,
    CurrentSurvey,
    ManageSurveys,
    ViewerDep,
    valid_survey,
)
from civicapi.modules.surveys.management import service, service_lifecycle
from civicapi.modules.surveys.management.schemas import SurveyCreate, SurveyRead, SurveyStatus, SurveyUpdate

router = GuardedRouter()
router.include_router(
    definition_router(valid_survey, permissions.MANAGE, "surveys", "survey"), prefix=SURVEY + "/form"
)

WRITE = problem_responses(401, 403, 404, 409)


@router.post(
    SURVEYS,
    operation_id="surveys_create",
    summary="Create a survey (a draft) and its questionnaire",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 422),
)
async def create_survey(
    body: SurveyCreate,
    manager: ManageSurveys,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
) -> SurveyRead:
    survey = await service.create_survey(session, ctx, body, viewer=viewer)
    response.headers["Location"] = ctx.url_of("surveys", survey.id)
    return service.present(ctx, survey)


@router.get(
    SURVEYS,
    operation_id="surveys_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="A component's surveys (drafts: for their managers only)",
    responses=problem_responses(401, 404, 422),
)
async def list_surveys(
    request: Request,
    response: Response,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    page: Annotated[PageParams, Depends(sorted_by("created_at", default="-created_at"))],
    status: Annotated[SurveyStatus | None, Query(description="Only surveys in this status.")] = None,
    open: Annotated[
        bool | None, Query(description="`true`: only surveys taking answers now; `false`: only the others.")
    ] = None,
) -> Page[SurveyRead]:
    items, cursor = await service.list_surveys(session, ctx, page, viewer=viewer, status=status, open_=open)
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)


@router.get(
    SURVEY,
    operation_id="surveys_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="A survey (drafts: for its managers only)",
    responses=problem_responses(404),
)
async def get_survey(survey: CurrentSurvey, ctx: CurrentContext) -> SurveyRead:
    return service.present(ctx, survey)


@router.patch(
    SURVEY,
    operation_id="surveys_update",
    summary="Edit a survey: wording and window at any time; what an answer is only before any answer",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_survey(
    body: SurveyUpdate,
    manager: ManageSurveys,
    survey: CurrentSurvey,
    ctx: CurrentContext,
    session: SessionDep,
) -> SurveyRead:
    return service.present(ctx, await service.update_survey(session, ctx, survey, body))


@router.delete(
    SURVEY,
    operation_id="surveys_delete",
    summary="Delete a survey without counted answers (a draft, or one nobody answered), with its questionnaire",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=WRITE,
)
async def delete_survey(
    manager: ManageSurveys, survey: CurrentSurvey, ctx: CurrentContext, session: SessionDep
) -> None:
    await service.delete_survey(session, ctx, survey)


@router.post(
    SURVEY + "/publish",
    operation_id="surveys_publish",
    summary="Publish a draft that asks at least one question; its test answers are deleted",
    responses=WRITE,
)
async def publish_survey(
    manager: ManageSurveys, survey: CurrentSurvey, ctx: CurrentContext, session: SessionDep
) -> SurveyRead:
    return service.present(ctx, await service_lifecycle.publish_survey(session, ctx, survey))


@router.post(
    SURVEY + "/close",
    operation_id="surveys_close",
    summary="Close a published survey: no more answers; the links to answers are destroyed (sealed)",
    responses=WRITE,
)
async def close_survey(
    manager: ManageSurveys, survey: CurrentSurvey, ctx: CurrentContext, session: SessionDep
) -> SurveyRead:
    return service.present(ctx, await service_lifecycle.close_survey(session, ctx, survey))


@router.post(
    SURVEY + "/reopen",
    operation_id="surveys_reopen",
    summary="Reopen a closed survey that is not anonymous (an anonymous survey's seal is final)",
    responses=WRITE,
)
async def reopen_survey(
    manager: ManageSurveys, survey: CurrentSurvey, ctx: CurrentContext, session: SessionDep
) -> SurveyRead:
    return service.present(ctx, await service_lifecycle.reopen_survey(session, ctx, survey))
