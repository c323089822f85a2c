"""The structure of a questionnaire: questions (in order, on pages), their options and matrix rows, and
new versions. Each write is refused (409 ``has_responses``) once the version has responses, except
wording; each leaves a definition that keeps every rule (``rules_definition``: 422, nothing written)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core import audit
from civicapi.core.db.base import utcnow
from civicapi.forms.exceptions import FormDefinitionConflict, FormNotFound
from civicapi.forms.models import MatrixRow, Option, Question, Questionnaire
from civicapi.forms.repository_definition import (
    OptionRepository,
    QuestionnaireRepository,
    QuestionRepository,
    RowRepository,
)
from civicapi.forms.rules_definition import Problems, Shape, check_conditions, check_shape
from civicapi.forms.schemas_definition import QuestionCreate, QuestionUpdate, Reorder
from civicapi.forms.service_definition import FormOwner, change, check_texts, guard_structure, record

QUESTION_FIELDS = (
    "page",
    "position",
    "question_type",
    "body",
    "description",
    "mandatory",
    "max_characters",
    "min_choices",
    "max_choices",
    "number_min",
    "number_max",
    "number_integer",
    "conditions",
)
OPTION_FIELDS = ("question_id", "position", "body", "free_text")
ROW_FIELDS = ("question_id", "position", "body")


async def _validate(session: AsyncSession, owner: FormOwner, questionnaire: Questionnaire, what: str) -> None:
    """Check the whole definition as the write leaves it (flushed): 422 with every broken rule."""
    questions = await QuestionRepository(session, owner.commune_id).of(questionnaire.id)
    ids = [q.id for q in questions]
    options = await OptionRepository(session, owner.commune_id).of(ids)
    rows = await RowRepository(session, owner.commune_id).of(ids)
    problems = Problems()
    order = []
    for q in questions:
        mine = [o for o in options if o.question_id == q.id]
        shape = Shape(
            id=q.id,
            question_type=q.question_type,
            fields={f: getattr(q, f) for f in QUESTION_FIELDS},
            option_ids=[o.id for o in mine],
            free_text_options=sum(o.free_text for o in mine),
            rows=sum(r.question_id == q.id for r in rows),
            conditions=q.conditions,
        )
        check_shape(shape, problems)
        order.append(shape)
    check_conditions(order, problems)
    problems.raise_any(what)


async def _precheck(
    session: AsyncSession,
    owner: FormOwner,
    question: Question | None,
    fields: dict[str, Any],
    shape: Shape | None = None,
) -> None:
    """The type's rules on the question as the write would leave it, before anything is flushed (the
    tables' own checks would otherwise answer first)."""
    if shape is None:
        assert question is not None
        options = await OptionRepository(session, owner.commune_id).of([question.id])
        rows = await RowRepository(session, owner.commune_id).of([question.id])
        shape = Shape(
            id=question.id,
            question_type=question.question_type,
            fields={**{f: getattr(question, f) for f in QUESTION_FIELDS}, **fields},
            option_ids=[o.id for o in options],
            free_text_options=sum(o.free_text for o in options),
            rows=len(rows),
        )
    problems = Problems()
    check_shape(shape, problems)
    problems.raise_any("question")


def _renumber(items: Sequence[Any]) -> None:
    for i, item in enumerate(items):
        item.position = i


def _placed(items: list[Any], new: Any, position: int | None) -> None:
    items.insert(len(items) if position is None else min(position, len(items)), new)
    _renumber(items)


async def _question(
    session: AsyncSession, owner: FormOwner, q: Questionnaire, question_id: uuid.UUID
) -> Question:
    question = await QuestionRepository(session, owner.commune_id).get(question_id)
    if question is None or question.questionnaire_id != q.id:
        raise FormNotFound(f"question {question_id} not found", reason="no_question")
    return question


async def add_question(
    session: AsyncSession, owner: FormOwner, questionnaire: Questionnaire, body: QuestionCreate
) -> Question:
    await guard_structure(session, owner, questionnaire)
    values = body.model_dump(exclude={"options", "rows", "position"}, mode="json")
    values["description"] = values["description"] or {}
    check_texts(owner, {k: values[k] for k in ("body", "description")})
    for i, option in enumerate(body.options):
        check_texts(owner, {f"options.{i}.body": option.body})
    shape = Shape(
        id=None,
        question_type=body.question_type,
        fields=values,
        option_ids=[uuid.uuid4() for _ in body.options],
        free_text_options=sum(o.free_text for o in body.options),
        rows=len(body.rows),
    )
    await _precheck(session, owner, None, values, shape)
    questions = await QuestionRepository(session, owner.commune_id).of(questionnaire.id)
    question = Question(commune_id=owner.commune_id, questionnaire_id=questionnaire.id, **values)
    position = body.position
    if position is None:  # last of its page
        position = sum(q.page <= body.page for q in questions)
    _placed(questions, question, position)
    session.add(question)
    await session.flush()
    record(session, owner, "question", question.id, "create", audit.created(question, QUESTION_FIELDS))
    for i, o in enumerate(body.options):
        made = Option(
            commune_id=owner.commune_id,
            question_id=question.id,
            position=i,
            body=o.body,
            free_text=o.free_text,
        )
        session.add(made)
    for i, r in enumerate(body.rows):
        session.add(MatrixRow(commune_id=owner.commune_id, question_id=question.id, position=i, body=r.body))
    await session.flush()
    await _validate(session, owner, questionnaire, "question")
    return question


async def update_question(
    session: AsyncSession,
    owner: FormOwner,
    questionnaire: Questionnaire,
    question_id: uuid.UUID,
    body: QuestionUpdate,
) -> Question:
    question = await _question(session, owner, questionnaire, question_id)
    values = body.model_dump(exclude_unset=True, mode="json")
    if "description" in values and values["description"] is None:
        values["description"] = {}
    check_texts(owner, values)
    await _precheck(session, owner, question, values)
    await change(session, owner, questionnaire, "question", question, values, QUESTION_FIELDS)
    await _validate(session, owner, questionnaire, "question")
    return question


async def delete_question(
    session: AsyncSession, owner: FormOwner, questionnaire: Questionnaire, question_id: uuid.UUID
) -> None:
    question = await _question(session, owner, questionnaire, question_id)
    await guard_structure(session, owner, questionnaire)
    record(session, owner, "question", question.id, "delete", audit.deleted(question, QUESTION_FIELDS))
    await session.delete(question)
    await session.flush()
    await _validate(session, owner, questionnaire, "question")


def _permutation(items: Sequence[Any], body: Reorder) -> list[Any]:
    by_id = {item.id: item for item in items}
    if len(body.ids) != len(by_id) or set(body.ids) != set(by_id):
        problems = Problems()
        problems.add(["ids"], "not_a_permutation", "list every id once")
        problems.raise_any("reorder")
    return [by_id[i] for i in body.ids]


async def reorder_questions(
    session: AsyncSession, owner: FormOwner, questionnaire: Questionnaire, body: Reorder
) -> None:
    """Set the questions' order (each keeps its page: the order within each page follows the list)."""
    questions = await QuestionRepository(session, owner.commune_id).of(questionnaire.id)
    ordered = _permutation(questions, body)
    await guard_structure(session, owner, questionnaire)
    _renumber(ordered)
    await session.flush()
    record(
        session,
        owner,
        "questionnaire",
        questionnaire.id,
        "reorder",
        {"questions": [str(i) for i in body.ids]},
    )
    await _validate(session, owner, questionnaire, "reorder")


async def _children(session: AsyncSession, owner: FormOwner, kind: str, question_id: uuid.UUID) -> list[Any]:
    repo = OptionRepository if kind == "option" else RowRepository
    return await repo(session, owner.commune_id).of([question_id])


async def add_child(
    session: AsyncSession,
    owner: FormOwner,
    questionnaire: Questionnaire,
    question_id: uuid.UUID,
    kind: str,
    values: dict[str, Any],
    position: int | None,
) -> Any:
    """Add an option (``kind`` "option") or a matrix row ("matrix_row") to a question."""
    question = await _question(session, owner, questionnaire, question_id)
    await guard_structure(session, owner, questionnaire)
    check_texts(owner, values)
    siblings = await _children(session, owner, kind, question.id)
    model = Option if kind == "option" else MatrixRow
    child = model(commune_id=owner.commune_id, question_id=question.id, **values)
    _placed(siblings, child, position)
    session.add(child)
    await session.flush()
    record(session, owner, kind, child.id, "create", audit.created(child, _fields(kind)))
    await _validate(session, owner, questionnaire, kind)
    return child


def _fields(kind: str) -> tuple[str, ...]:
    return OPTION_FIELDS if kind == "option" else ROW_FIELDS


async def _child(
    session: AsyncSession,
    owner: FormOwner,
    questionnaire: Questionnaire,
    question_id: uuid.UUID,
    kind: str,
    child_id: uuid.UUID,
) -> Any:
    question = await _question(session, owner, questionnaire, question_id)
    child = next((c for c in await _children(session, owner, kind, question.id) if c.id == child_id), None)
    if child is None:
        raise FormNotFound(
            f"{kind} {child_id} not found", reason="no_option" if kind == "option" else "no_row"
        )
    return child


async def update_child(
    session: AsyncSession,
    owner: FormOwner,
    questionnaire: Questionnaire,
    question_id: uuid.UUID,
    kind: str,
    child_id: uuid.UUID,
    values: dict[str, Any],
) -> Any:
    child = await _child(session, owner, questionnaire, question_id, kind, child_id)
    check_texts(owner, values)
    await change(session, owner, questionnaire, kind, child, values, _fields(kind))
    await _validate(session, owner, questionnaire, kind)
    return child


async def delete_child(
    session: AsyncSession,
    owner: FormOwner,
    questionnaire: Questionnaire,
    question_id: uuid.UUID,
    kind: str,
    child_id: uuid.UUID,
) -> None:
    child = await _child(session, owner, questionnaire, question_id, kind, child_id)
    await guard_structure(session, owner, questionnaire)
    record(session, owner, kind, child.id, "delete", audit.deleted(child, _fields(kind)))
    await session.delete(child)
    await session.flush()
    _renumber(await _children(session, owner, kind, question_id))
    await session.flush()
    await _validate(session, owner, questionnaire, kind)


async def reorder_children(
    session: AsyncSession,
    owner: FormOwner,
    questionnaire: Questionnaire,
    question_id: uuid.UUID,
    kind: str,
    body: Reorder,
) -> None:
    question = await _question(session, owner, questionnaire, question_id)
    ordered = _permutation(await _children(session, owner, kind, question.id), body)
    await guard_structure(session, owner, questionnaire)
    _renumber(ordered)
    await session.flush()
    record(session, owner, "question", question.id, f"reorder_{kind}s", {"ids": [str(i) for i in body.ids]})


async def new_version(session: AsyncSession, owner: FormOwner, questionnaire: Questionnaire) -> Questionnaire:
    """Copy the questionnaire (questions, options, rows; conditions remapped to the copies' ids) to
    version + 1 and mark it superseded: from then on the owner's current questionnaire is the copy."""
    if not await QuestionnaireRepository(session, owner.commune_id).supersede(questionnaire.id):
        raise FormDefinitionConflict("a newer version replaced this questionnaire", reason="superseded")
    questionnaire.superseded_at = utcnow()
    copy = Questionnaire(
        commune_id=owner.commune_id,
        owner_module=owner.module,
        owner_type=owner.type,
        owner_id=owner.id,
        version=questionnaire.version + 1,
        title=questionnaire.title,
        description=questionnaire.description,
        terms=questionnaire.terms,
    )
    session.add(copy)
    await session.flush()
    questions = await QuestionRepository(session, owner.commune_id).of(questionnaire.id)
    ids = [q.id for q in questions]
    options = await OptionRepository(session, owner.commune_id).of(ids)
    rows = await RowRepository(session, owner.commune_id).of(ids)
    remap: dict[str, str] = {}
    copies: list[Question] = []
    for q in questions:
        values = {f: getattr(q, f) for f in QUESTION_FIELDS}
        new = Question(commune_id=owner.commune_id, questionnaire_id=copy.id, **values)
        session.add(new)
        copies.append(new)
    await session.flush()
    for old, new in zip(questions, copies, strict=True):
        remap[str(old.id)] = str(new.id)
    for o in options:
        made = Option(
            commune_id=owner.commune_id,
            question_id=uuid.UUID(remap[str(o.question_id)]),
            position=o.position,
            body=o.body,
            free_text=o.free_text,
        )
        session.add(made)
        await session.flush()
        remap[str(o.id)] = str(made.id)
    for r in rows:
        session.add(
            MatrixRow(
                commune_id=owner.commune_id,
                question_id=uuid.UUID(remap[str(r.question_id)]),
                position=r.position,
                body=r.body,
            )
        )
    for new in copies:
        if new.conditions:
            new.conditions = {
                **new.conditions,
                "rules": [
                    {k: remap.get(v, v) if k in ("question_id", "option_id") else v for k, v in rule.items()}
                    for rule in new.conditions["rules"]
                ],
            }
    await session.flush()
    changes = {"version": [questionnaire.version, copy.version], "from": str(questionnaire.id)}
    record(session, owner, "questionnaire", copy.id, "new_version", changes)
    return copy
