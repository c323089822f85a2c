"""Routes answering a questionnaire, for a module to mount under its own resource: answer, read mine, edit
mine. The module owns the resource and its rights: it passes the dependency resolving the questionnaire
(by owner and version) and the hooks deciding who may answer, edit and read (each returning an
:class:`~civicapi.forms.service_submission.Answerer`, or raising the module's own problem). Routers do HTTP
only. (No ``from __future__ import annotations``: the routes' annotations name the factory's locals.)"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, status

from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.forms import service_submission as service
from civicapi.forms.exceptions import ResponseNotFound
from civicapi.forms.models import Questionnaire
from civicapi.forms.schemas_submission import ResponseRead, SubmissionIn
from civicapi.forms.service_submission import Answerer

Dependency = Callable[..., Any]


def submission_router(
    path: str,
    *,
    questionnaire: Dependency,
    may_answer: Dependency,
    may_edit: Dependency | None = None,
    may_read: Dependency | None = None,
    operation_prefix: str,
    tags: list[str] | None = None,
) -> GuardedRouter:
    """``POST {path}/responses`` (answer), ``GET`` and ``PUT {path}/responses/mine``. ``questionnaire``
    resolves the :class:`Questionnaire` from the path; ``may_answer`` (and ``may_edit``, ``may_read``,
    which default to it) the caller as an :class:`Answerer` (editing and reading need a ``user_id``).
    ``operation_prefix`` keeps operation ids unique (``surveys_survey`` -> ``surveys_survey_response_create``)."""
    router = GuardedRouter(tags=list(tags) if tags else None)
    CurrentQuestionnaire = Annotated[Questionnaire, Depends(questionnaire)]
    Answering = Annotated[Answerer, Depends(may_answer)]
    Editing = Annotated[Answerer, Depends(may_edit or may_answer)]
    Reading = Annotated[Answerer, Depends(may_read or may_answer)]
    mine = f"{path}/responses/mine"

    @router.post(
        f"{path}/responses",
        operation_id=f"{operation_prefix}_response_create",
        summary="Answer the questionnaire (every problem listed at once, nothing written)",
        status_code=status.HTTP_201_CREATED,
        responses=problem_responses(401, 403, 404, 409, 422),
    )
    async def answer(
        q: CurrentQuestionnaire, who: Answering, body: SubmissionIn, session: SessionDep
    ) -> ResponseRead:
        """A refused response is a `forms-invalid-response` problem whose `errors` name each question and
        its `reason` (see the forms capability's documentation); an old version is a 409."""
        return await service.submit(session, q, body, who)

    @router.get(
        mine,
        operation_id=f"{operation_prefix}_response_mine",
        summary="Read one's own response",
        responses=problem_responses(401, 403, 404),
    )
    async def read_mine(q: CurrentQuestionnaire, who: Reading, session: SessionDep) -> ResponseRead:
        if who.user_id is None:
            raise ResponseNotFound()
        return await service.response_of(session, q, who.user_id)

    @router.put(
        mine,
        operation_id=f"{operation_prefix}_response_replace",
        summary="Edit one's own response (judged whole again; its answers replaced)",
        responses=problem_responses(401, 403, 404, 422),
    )
    async def edit_mine(
        q: CurrentQuestionnaire, who: Editing, body: SubmissionIn, session: SessionDep
    ) -> ResponseRead:
        if who.user_id is None:
            raise ResponseNotFound()
        response = await service.own_response(session, q, who.user_id)
        return await service.replace(session, q, response, body)

    return router
