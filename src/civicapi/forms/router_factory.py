"""Routes of questionnaire definitions for a module to mount under one of its resources (a survey, a
meeting's registration form): the module gives the dependency resolving its resource (404 where the
caller may not see it) and the permission that manages it::

    router.include_router(
        definition_router(valid_meeting, permissions.MANAGE, "agenda", "meeting"),
        prefix=MEETING + "/registration-form",
    )

Routers do HTTP only; the rules are the services'. (No ``from __future__ import annotations`` here: the
routes' annotations name the factory's local dependencies.)"""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Path

from civicapi.communes.dependencies import Caller, CurrentCommune, require
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.forms import service_definition as definitions
from civicapi.forms import service_structure as structure
from civicapi.forms import service_versions as versions
from civicapi.forms.schemas_definition import (
    OptionCreate,
    OptionUpdate,
    QuestionCreate,
    QuestionnaireRead,
    QuestionnaireWrite,
    QuestionUpdate,
    Reorder,
    RowCreate,
    RowUpdate,
)
from civicapi.forms.service_definition import Editing, FormOwner

QuestionId = Annotated[uuid.UUID, Path(description="The question's id.")]
PartId = Annotated[uuid.UUID, Path(description="The option's or matrix row's id.")]
WRITE = problem_responses(401, 403, 404, 409, 422)


def definition_router(
    owner_dependency: Callable[..., Any], manage_permission: str, owner_module: str, owner_type: str
) -> GuardedRouter:
    """GET the questionnaire (whoever sees the owner: ``owner_dependency`` answers its row, with an
    ``id``, or 404), PUT its wording, and manage its questions, options, rows and versions (callers
    holding ``manage_permission``). Operation ids start with ``<owner_module>_<owner_type>_form``."""
    router = GuardedRouter()
    op = f"{owner_module}_{owner_type}_form"

    async def get_owner(
        resource: Annotated[Any, Depends(owner_dependency)], commune: CurrentCommune
    ) -> FormOwner:
        return FormOwner(commune.id, owner_module, owner_type, resource.id, tuple(commune.locales))

    Owner = Annotated[FormOwner, Depends(get_owner)]

    async def editing(
        _: Annotated[Caller, Depends(require(manage_permission))], owner: Owner, session: SessionDep
    ) -> Editing:
        return Editing(session, owner, await definitions.current_or_404(session, owner))

    Edit = Annotated[Editing, Depends(editing)]

    async def reread(ed: Editing) -> QuestionnaireRead:
        return await definitions.read(ed.session, await definitions.current_or_404(ed.session, ed.owner))

    @_route(
        router,
        "GET",
        "",
        f"{op}_get",
        "The questionnaire as a respondent sees it (its questions in order, by page)",
        responses=problem_responses(404, 422),
    )
    async def get_questionnaire(owner: Owner, session: SessionDep) -> QuestionnaireRead:
        """404 `no_questionnaire` when the resource has none."""
        return await definitions.read(session, await definitions.current_or_404(session, owner))

    @_route(router, "PUT", "", f"{op}_put", "Create the questionnaire or change its wording")
    async def put_questionnaire(
        _: Annotated[Caller, Depends(require(manage_permission))],
        owner: Owner,
        body: QuestionnaireWrite,
        session: SessionDep,
    ) -> QuestionnaireRead:
        """Wording may always change (audited `reword` once the version has responses)."""
        return await definitions.read(session, await definitions.put_questionnaire(session, owner, body))

    @_route(
        router,
        "POST",
        "/new-version",
        f"{op}_new_version",
        "Copy the questionnaire to a new version whose structure may change (responses stay)",
        status_code=201,
    )
    async def new_version(ed: Edit) -> QuestionnaireRead:
        return await definitions.read(ed.session, await versions.new_version(ed))

    @_route(router, "POST", "/questions", f"{op}_questions_create", "Add a question", status_code=201)
    async def add_question(ed: Edit, body: QuestionCreate) -> QuestionnaireRead:
        """With its options and rows. 422 `forms-definition-invalid` with a `reason`; 409 `has_responses`
        once the version has responses."""
        await structure.add_question(ed, body)
        return await reread(ed)

    @_route(router, "PUT", "/questions/order", f"{op}_questions_order", "Reorder the questions")
    async def reorder_questions(ed: Edit, body: Reorder) -> QuestionnaireRead:
        await structure.reorder_questions(ed, body)
        return await reread(ed)

    @_route(router, "PATCH", "/questions/{question_id}", f"{op}_questions_update", "Change a question")
    async def update_question(ed: Edit, question_id: QuestionId, body: QuestionUpdate) -> QuestionnaireRead:
        """Once the questionnaire has responses only `body` and `description` may change (`reword`)."""
        await structure.update_question(ed, question_id, body)
        return await reread(ed)

    @_route(router, "DELETE", "/questions/{question_id}", f"{op}_questions_delete", "Delete", status_code=204)
    async def delete_question(ed: Edit, question_id: QuestionId) -> None:
        await structure.delete_question(ed, question_id)

    for plural, kind, create, update in (
        ("options", "option", OptionCreate, OptionUpdate),
        ("rows", "matrix_row", RowCreate, RowUpdate),
    ):
        _part_routes(router, op, Edit, reread, plural, kind, create, update)
    return router


def _route(
    router: GuardedRouter,
    method: str,
    path: str,
    operation_id: str,
    summary: str,
    *,
    status_code: int = 200,
    responses: dict[int | str, dict[str, Any]] = WRITE,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return router.api_route(
        path,
        methods=[method],
        operation_id=operation_id,
        summary=summary,
        status_code=status_code,
        responses=responses,
    )


def _part_routes(
    router: GuardedRouter,
    op: str,
    Edit: Any,
    reread: Callable[[Editing], Any],
    plural: str,
    kind: str,
    create: Any,
    update: Any,
) -> None:
    """POST, PATCH, DELETE and reorder of a question's options or matrix rows."""
    base = f"/questions/{{question_id}}/{plural}"

    @_route(router, "POST", base, f"{op}_{plural}_create", f"Add to a question's {plural}", status_code=201)
    async def add_part(ed: Edit, question_id: QuestionId, body: create) -> QuestionnaireRead:
        values = body.model_dump(exclude={"position"})
        await structure.add_part(ed, question_id, kind, values, body.position)
        return await reread(ed)  # type: ignore[no-any-return]

    @_route(router, "PUT", f"{base}/order", f"{op}_{plural}_order", f"Reorder a question's {plural}")
    async def reorder_parts(ed: Edit, question_id: QuestionId, body: Reorder) -> QuestionnaireRead:
        await structure.reorder_parts(ed, question_id, kind, body)
        return await reread(ed)  # type: ignore[no-any-return]

    @_route(
        router,
        "PATCH",
        f"{base}/{{part_id}}",
        f"{op}_{plural}_update",
        f"Change one of a question's {plural} (its body is wording)",
    )
    async def update_part(
        ed: Edit, question_id: QuestionId, part_id: PartId, body: update
    ) -> QuestionnaireRead:
        await structure.update_part(ed, question_id, kind, part_id, body.model_dump(exclude_unset=True))
        return await reread(ed)  # type: ignore[no-any-return]

    @_route(
        router,
        "DELETE",
        f"{base}/{{part_id}}",
        f"{op}_{plural}_delete",
        f"Delete one of a question's {plural}",
        status_code=204,
    )
    async def delete_part(ed: Edit, question_id: QuestionId, part_id: PartId) -> None:
        await structure.delete_part(ed, question_id, kind, part_id)
