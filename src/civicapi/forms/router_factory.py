"""Routes of questionnaire definitions for a module to mount under one of its resources (a survey, a
meeting's registration form): the module gives the dependency resolving its resource (404 where the
caller may not see it) and the permission that manages it::

    router.include_router(
        definition_router(valid_meeting, permissions.MANAGE, "agenda", "meeting"),
        prefix=MEETING + "/registration-form",
    )

Routers do HTTP only; the rules are the services'."""

import uuid
from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import Depends, Path, status

from civicapi.communes.dependencies import Caller, CurrentCommune, require
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.forms import service_definition as definitions
from civicapi.forms import service_structure as structure
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
from civicapi.forms.service_definition import FormOwner


class OwnerResource(Protocol):
    """What the owner dependency answers: a row with its id (a meeting, a survey)."""

    @property
    def id(self) -> uuid.UUID: ...


QuestionId = Annotated[uuid.UUID, Path(description="The question's id.")]
ItemId = Annotated[uuid.UUID, Path(description="The option's or matrix row's id.")]
WRITE = problem_responses(401, 403, 404, 409, 422)
KINDS = {"options": "option", "rows": "matrix_row"}


def definition_router(
    owner_dependency: Callable[..., Any], manage_permission: str, owner_module: str, owner_type: str
) -> GuardedRouter:
    """GET the questionnaire (whoever sees the owner), PUT its wording, and manage its questions,
    options, rows and versions (``manage_permission``)."""
    router = GuardedRouter()
    op = f"{owner_module}_{owner_type}_form"

    async def get_owner(
        resource: Annotated[Any, Depends(owner_dependency)], commune: CurrentCommune
    ) -> FormOwner:
        return FormOwner(commune.id, owner_module, owner_type, resource.id, tuple(commune.locales))

    Owner = Annotated[FormOwner, Depends(get_owner)]
    Manager = Annotated[Caller, Depends(require(manage_permission))]

    async def current(owner: Owner, session: SessionDep) -> Any:
        return await definitions.current_or_404(session, owner)

    Current = Annotated[Any, Depends(current)]

    async def _read(session: SessionDep, owner: FormOwner) -> QuestionnaireRead:
        return await definitions.read(session, await definitions.current_or_404(session, owner))

    @router.get(
        "",
        operation_id=f"{op}_get",
        summary="The questionnaire as a respondent sees it (its questions in order, by page)",
        responses=problem_responses(404),
    )
    async def get_questionnaire(owner: Owner, session: SessionDep) -> QuestionnaireRead:
        """404 `no_questionnaire` when the resource has none."""
        return await _read(session, owner)

    @router.put(
        "",
        operation_id=f"{op}_put",
        summary="Create the questionnaire or change its wording",
        responses=WRITE,
    )
    async def put_questionnaire(
        _: Manager, owner: Owner, body: QuestionnaireWrite, session: SessionDep
    ) -> QuestionnaireRead:
        questionnaire = await definitions.put_questionnaire(session, owner, body)
        return await definitions.read(session, questionnaire)

    @router.post(
        "/new-version",
        operation_id=f"{op}_new_version",
        summary="Copy the questionnaire to a new version whose structure may change (responses stay)",
        status_code=status.HTTP_201_CREATED,
        responses=WRITE,
    )
    async def new_version(
        _: Manager, owner: Owner, questionnaire: Current, session: SessionDep
    ) -> QuestionnaireRead:
        return await definitions.read(session, await structure.new_version(session, owner, questionnaire))

    @router.post(
        "/questions",
        operation_id=f"{op}_questions_create",
        summary="Add a question (with its options and rows)",
        status_code=status.HTTP_201_CREATED,
        responses=WRITE,
    )
    async def add_question(
        _: Manager, owner: Owner, questionnaire: Current, body: QuestionCreate, session: SessionDep
    ) -> QuestionnaireRead:
        """422 `form-definition-invalid` with a `reason`; 409 `has_responses` once it has responses."""
        await structure.add_question(session, owner, questionnaire, body)
        return await _read(session, owner)

    @router.put(
        "/questions/order",
        operation_id=f"{op}_questions_order",
        summary="Reorder the questions",
        responses=WRITE,
    )
    async def reorder_questions(
        _: Manager, owner: Owner, questionnaire: Current, body: Reorder, session: SessionDep
    ) -> QuestionnaireRead:
        await structure.reorder_questions(session, owner, questionnaire, body)
        return await _read(session, owner)

    @router.patch(
        "/questions/{question_id}",
        operation_id=f"{op}_questions_update",
        summary="Change a question",
        responses=WRITE,
    )
    async def update_question(
        _: Manager,
        owner: Owner,
        questionnaire: Current,
        question_id: QuestionId,
        body: QuestionUpdate,
        session: SessionDep,
    ) -> QuestionnaireRead:
        """Once the questionnaire has responses only `body` and `description` may change (`reword`)."""
        await structure.update_question(session, owner, questionnaire, question_id, body)
        return await _read(session, owner)

    @router.delete(
        "/questions/{question_id}",
        operation_id=f"{op}_questions_delete",
        summary="Delete a question",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=WRITE,
    )
    async def delete_question(
        _: Manager, owner: Owner, questionnaire: Current, question_id: QuestionId, session: SessionDep
    ) -> None:
        await structure.delete_question(session, owner, questionnaire, question_id)

    _child_routes(router, op, Manager, Owner, Current, "options", OptionCreate, OptionUpdate, _read)
    _child_routes(router, op, Manager, Owner, Current, "rows", RowCreate, RowUpdate, _read)
    return router


def _child_routes(
    router: GuardedRouter,
    op: str,
    Manager: Any,
    Owner: Any,
    Current: Any,
    plural: str,
    create: type[Any],
    update: type[Any],
    reread: Callable[..., Any],
) -> None:
    """POST, PATCH, DELETE and reorder of a question's options or matrix rows."""
    kind = KINDS[plural]
    base = f"/questions/{{question_id}}/{plural}"

    @router.post(
        base,
        operation_id=f"{op}_{plural}_create",
        summary=f"Add to a question's {plural}",
        status_code=status.HTTP_201_CREATED,
        responses=WRITE,
    )
    async def add_item(
        _: Manager,
        owner: Owner,
        questionnaire: Current,
        question_id: QuestionId,
        body: create,  # type: ignore[valid-type]
        session: SessionDep,
    ) -> QuestionnaireRead:
        values = body.model_dump(exclude={"position"})  # type: ignore[attr-defined]
        await structure.add_child(session, owner, questionnaire, question_id, kind, values, body.position)  # type: ignore[attr-defined]
        return await reread(session, owner)  # type: ignore[no-any-return]

    @router.put(
        f"{base}/order",
        operation_id=f"{op}_{plural}_order",
        summary=f"Reorder a question's {plural}",
        responses=WRITE,
    )
    async def reorder_items(
        _: Manager,
        owner: Owner,
        questionnaire: Current,
        question_id: QuestionId,
        body: Reorder,
        session: SessionDep,
    ) -> QuestionnaireRead:
        await structure.reorder_children(session, owner, questionnaire, question_id, kind, body)
        return await reread(session, owner)  # type: ignore[no-any-return]

    @router.patch(
        f"{base}/{{item_id}}",
        operation_id=f"{op}_{plural}_update",
        summary=f"Change one of a question's {plural}",
        responses=WRITE,
    )
    async def change_item(
        _: Manager,
        owner: Owner,
        questionnaire: Current,
        question_id: QuestionId,
        item_id: ItemId,
        body: update,  # type: ignore[valid-type]
        session: SessionDep,
    ) -> QuestionnaireRead:
        values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        await structure.update_child(session, owner, questionnaire, question_id, kind, item_id, values)
        return await reread(session, owner)  # type: ignore[no-any-return]

    @router.delete(
        f"{base}/{{item_id}}",
        operation_id=f"{op}_{plural}_delete",
        summary=f"Delete one of a question's {plural}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=WRITE,
    )
    async def delete_item(
        _: Manager,
        owner: Owner,
        questionnaire: Current,
        question_id: QuestionId,
        item_id: ItemId,
        session: SessionDep,
    ) -> None:
        await structure.delete_child(session, owner, questionnaire, question_id, kind, item_id)
