"""Routes of a questionnaire's results, which a module mounts under its resource (e.g. a survey's
``.../surveys/{survey_id}/results``): :func:`results_router` takes the module's dependency resolving the
questionnaire (the module checks the resource and who may see it), the permission that reads unpublished
results, written answers hidden by moderation and moderates them, and a hook saying whether the results are
published.

(No ``from __future__ import annotations`` here: the routes' annotations name the factory's local
dependency, which FastAPI must see as an object.)"""

import inspect
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from civicapi.communes.dependencies import Caller, CallerDep
from civicapi.core.deps import DatabaseDep, SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.forms.exports import EXTENSIONS, MEDIA_TYPES, ExportHook, export_responses, record_export
from civicapi.forms.models import Questionnaire
from civicapi.forms.results import (
    MIN_GROUP_SIZE,
    ResultsPolicy,
    moderate_text_answer,
    questionnaire_results,
    text_answers,
)
from civicapi.forms.schemas_results import QuestionnaireResults, TextAnswerModeration, TextAnswerRead

PublishedHook = Callable[[Questionnaire], bool | Awaitable[bool]]
BY_ID = sorted_by("id", default="id")


def _operation(prefix: str | None, name: str) -> str | None:
    """``<prefix>_<name>`` when the module gives a prefix (unique operation ids), else FastAPI's."""
    return f"{prefix}_{name}" if prefix else None


async def _published(hook: PublishedHook, questionnaire: Questionnaire) -> bool:
    answer = hook(questionnaire)
    return bool(await answer) if inspect.isawaitable(answer) else bool(answer)


def results_router(
    questionnaire: Callable[..., Awaitable[Questionnaire]],
    *,
    manage_permission: str,
    published: PublishedHook | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
    policy: Callable[..., Awaitable[ResultsPolicy]] | None = None,
    tags: list[str] | None = None,
    operation_prefix: str | None = None,
) -> APIRouter:
    """``GET /results``, ``GET /results/answers`` and ``PATCH /results/answers/{answer_id}`` (hide or
    show), on the questionnaire that ``questionnaire`` (a dependency) resolves. Unpublished results, and
    hidden answers, are for callers holding ``manage_permission``.

    Whether the results are published and k come either from ``published`` (a hook on the questionnaire)
    and the constant ``min_group_size``, or, per request, from ``policy``: a dependency answering a
    :class:`ResultsPolicy` (e.g. read from the module's resource, which the questionnaire dependency has
    already loaded in the same request)."""
    router = APIRouter(tags=list(tags or ["forms"]))
    QuestionnaireDep = Annotated[Questionnaire, Depends(questionnaire)]
    if policy is None:
        if published is None:
            raise ValueError("results_router needs a published hook or a policy dependency")
        hook = published

        async def constant_policy(found: QuestionnaireDep) -> ResultsPolicy:
            return ResultsPolicy(published=await _published(hook, found), min_group_size=min_group_size)

        policy = constant_policy
    PolicyDep = Annotated[ResultsPolicy, Depends(policy)]

    def readable(caller: Caller, rules: ResultsPolicy) -> bool:
        if not rules.published:
            caller.require(manage_permission)
        return rules.published

    @router.get(
        "/results",
        response_model=QuestionnaireResults,
        responses=problem_responses(401, 403, 404),
        summary="The questionnaire's results",
        operation_id=_operation(operation_prefix, "results_get"),
    )
    async def get_results(
        session: SessionDep, caller: CallerDep, found: QuestionnaireDep, rules: PolicyDep
    ) -> QuestionnaireResults:
        is_published = readable(caller, rules)
        return await questionnaire_results(
            session, found, published=is_published, min_group_size=rules.min_group_size
        )

    @router.get(
        "/results/answers",
        response_model=Page[TextAnswerRead],
        responses=problem_responses(401, 403, 404, 422),
        summary="Written answers and options' free texts, page by page",
        operation_id=_operation(operation_prefix, "results_answers_list"),
    )
    async def list_text_answers(
        request: Request,
        response: Response,
        session: SessionDep,
        caller: CallerDep,
        found: QuestionnaireDep,
        rules: PolicyDep,
        params: Annotated[PageParams, Depends(BY_ID)],
        question_id: Annotated[uuid.UUID | None, Query(description="Only this question's answers.")] = None,
    ) -> Page[TextAnswerRead]:
        readable(caller, rules)
        page = await text_answers(
            session,
            found,
            params,
            question_id=question_id,
            include_hidden=caller.can(manage_permission),
        )
        set_link_header(request, response, page.next_cursor)
        return page

    @router.patch(
        "/results/answers/{answer_id}",
        response_model=TextAnswerRead,
        responses=problem_responses(401, 403, 404, 422),
        summary="Hide a written answer (or an option's free text) from the published results, or show it",
        operation_id=_operation(operation_prefix, "results_answer_moderate"),
    )
    async def moderate(
        answer_id: uuid.UUID,
        body: TextAnswerModeration,
        session: SessionDep,
        caller: CallerDep,
        found: QuestionnaireDep,
    ) -> Any:
        caller.require(manage_permission)
        return await moderate_text_answer(session, found, answer_id, hidden=body.hidden)

    return router


EXPORT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {media.split(";")[0]: {"schema": {"type": "string"}} for media in MEDIA_TYPES.values()},
        "description": "The responses, streamed: one row (or JSON line) per response.",
    }
}


def exports_router(
    questionnaire: Callable[..., Awaitable[Questionnaire]],
    *,
    export_permission: str,
    on_export: ExportHook | None = None,
    tags: list[str] | None = None,
    operation_prefix: str | None = None,
) -> APIRouter:
    """``GET /responses/export?format=csv|jsonl|xlsx`` on the questionnaire that ``questionnaire`` (a
    dependency) resolves, for callers holding ``export_permission``: one row per response (test responses
    left out) with its pseudonymous respondent, never account data. ``on_export(session, caller,
    questionnaire, format)`` (e.g. an audit entry) runs in a unit of work of its own, committed before the
    first byte is streamed."""
    router = APIRouter(tags=list(tags or ["forms"]))
    QuestionnaireDep = Annotated[Questionnaire, Depends(questionnaire)]

    @router.get(
        "/responses/export",
        summary="The responses as CSV, JSON lines or XLSX (streamed)",
        operation_id=_operation(operation_prefix, "responses_export"),
        response_class=StreamingResponse,
        responses={**EXPORT_RESPONSE, **problem_responses(401, 403, 404, 422)},
    )
    async def export(
        db: DatabaseDep,
        session: SessionDep,
        caller: CallerDep,
        found: QuestionnaireDep,
        format: Annotated[Literal["csv", "jsonl", "xlsx"], Query(description="The file format.")] = "csv",
        locale: Annotated[
            str | None, Query(max_length=8, description="Language of the column names and option labels.")
        ] = None,
    ) -> StreamingResponse:
        caller.require(export_permission)
        if on_export is not None:
            await record_export(db, session, on_export, caller, found, format)
        chunks = await export_responses(db, found, format, locale=locale)
        filename = f"responses-{found.owner_id}-v{found.version}.{EXTENSIONS[format]}"
        return StreamingResponse(
            chunks,
            media_type=MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    return router
