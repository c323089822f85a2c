"""The structure of a questionnaire: questions (in order, on pages), their options and matrix rows. Each
write is refused (409 ``has_responses``) once the version has responses, except wording; each leaves a
definition that keeps every rule (``rules_definition``: 422 with every broken rule, nothing written)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from civicapi.core import audit
from civicapi.forms.exceptions import FormNotFound
from civicapi.forms.models import MatrixRow, Option, Question
from civicapi.forms.repository_definition import OptionRepository, QuestionRepository, RowRepository
from civicapi.forms.rules_definition import Problems, Shape, check_conditions, check_shape
from civicapi.forms.schemas_definition import QuestionCreate, QuestionUpdate, Reorder
from civicapi.forms.service_definition import Editing, change, check_texts, guard_structure, load, record

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
PARTS: dict[str, tuple[type[Any], type[Any], tuple[str, ...], str]] = {
    "option": (Option, OptionRepository, ("question_id", "position", "body", "free_text"), "no_option"),
    "matrix_row": (MatrixRow, RowRepository, ("question_id", "position", "body"), "no_row"),
}
"""A question's parts: kind -> (model, repository, audited fields, reason when not found)."""


def _shape(question: Question, options: Sequence[Option], rows: int, **fields: Any) -> Shape:
    return Shape(
        id=question.id,
        question_type=question.question_type,
        fields={**{f: getattr(question, f) for f in QUESTION_FIELDS}, **fields},
        option_ids=[o.id for o in options],
        free_text_options=sum(o.free_text for o in options),
        rows=rows,
        conditions=question.conditions,
    )


async def _validate(ed: Editing, what: str) -> None:
    """Check the whole definition as the write leaves it (flushed): 422 with every broken rule."""
    definition = await load(ed.session, ed.questionnaire)
    problems = Problems()
    order = [_shape(q, definition.options[q.id], len(definition.rows[q.id])) for q in definition.questions]
    for shape in order:
        check_shape(shape, problems)
    check_conditions(order, problems)
    problems.raise_any(what)


def _precheck(shape: Shape) -> None:
    """The type's rules on a question as the write would leave it, before anything is flushed (the
    tables' own checks would otherwise answer first, with a bare 409)."""
    problems = Problems()
    check_shape(shape, problems)
    problems.raise_any("question")


def _renumber(items: Sequence[Any]) -> None:
    for i, item in enumerate(items):
        item.position = i


def _placed(items: list[Any], new: Any, position: int | None) -> None:
    items.insert(len(items) if position is None else min(position, len(items)), new)
    _renumber(items)


async def _question(ed: Editing, question_id: uuid.UUID) -> Question:
    question = await QuestionRepository(ed.session, ed.owner.commune_id).get(question_id)
    if question is None or question.questionnaire_id != ed.questionnaire.id:
        raise FormNotFound(f"question {question_id} not found", reason="no_question")
    return question


async def add_question(ed: Editing, body: QuestionCreate) -> Question:
    """Add a question with its options and rows, at ``position`` in the questionnaire's order (default:
    last of its page)."""
    await guard_structure(ed.session, ed.owner, ed.questionnaire)
    values = body.model_dump(exclude={"options", "rows", "position"}, mode="json")
    values["description"] = values["description"] or {}
    check_texts(ed.owner, {k: values[k] for k in ("body", "description")})
    for i, text in enumerate([*(o.body for o in body.options), *(r.body for r in body.rows)]):
        check_texts(ed.owner, {f"parts.{i}.body": text})
    commune_id = ed.owner.commune_id
    question = Question(commune_id=commune_id, questionnaire_id=ed.questionnaire.id, **values)
    options = [Option(commune_id=commune_id, **o.model_dump(exclude={"position"})) for o in body.options]
    _precheck(_shape(question, options, len(body.rows)))
    questions = await QuestionRepository(ed.session, commune_id).of(ed.questionnaire.id)
    position = body.position
    if position is None:
        position = sum(q.page <= body.page for q in questions)
    _placed(questions, question, position)
    ed.session.add(question)
    await ed.session.flush()
    record(ed.session, ed.owner, "question", question.id, "create", audit.created(question, QUESTION_FIELDS))
    rows = [MatrixRow(commune_id=commune_id, body=r.body) for r in body.rows]
    parts: list[list[Any]] = [options, rows]
    for siblings in parts:
        for i, made in enumerate(siblings):
            made.question_id, made.position = question.id, i
        ed.session.add_all(siblings)
    await ed.session.flush()
    await _validate(ed, "question")
    return question


async def update_question(ed: Editing, question_id: uuid.UUID, body: QuestionUpdate) -> Question:
    """Change a question (its type stays); only its wording once the version has responses."""
    question = await _question(ed, question_id)
    values = body.model_dump(exclude_unset=True, mode="json")
    if "description" in values and values["description"] is None:
        values["description"] = {}
    check_texts(ed.owner, values)
    options = await OptionRepository(ed.session, ed.owner.commune_id).of([question.id])
    rows = await RowRepository(ed.session, ed.owner.commune_id).of([question.id])
    _precheck(_shape(question, options, len(rows), **values))
    await change(ed.session, ed.owner, ed.questionnaire, "question", question, values, QUESTION_FIELDS)
    await _validate(ed, "question")
    return question


async def delete_question(ed: Editing, question_id: uuid.UUID) -> None:
    """Delete a question (refused while a condition refers to it)."""
    question = await _question(ed, question_id)
    await guard_structure(ed.session, ed.owner, ed.questionnaire)
    record(ed.session, ed.owner, "question", question.id, "delete", audit.deleted(question, QUESTION_FIELDS))
    await ed.session.delete(question)
    await ed.session.flush()
    await _validate(ed, "question")


def _permutation(items: Sequence[Any], body: Reorder) -> list[Any]:
    by_id = {item.id: item for item in items}
    if len(body.ids) != len(by_id) or set(body.ids) != set(by_id):
        problems = Problems()
        problems.add(["ids"], "not_a_permutation", "list every id once")
        problems.raise_any("reorder")
    return [by_id[i] for i in body.ids]


async def reorder_questions(ed: Editing, body: Reorder) -> None:
    """Set the questions' order (each keeps its page: the order within each page follows the list)."""
    questions = await QuestionRepository(ed.session, ed.owner.commune_id).of(ed.questionnaire.id)
    ordered = _permutation(questions, body)
    await guard_structure(ed.session, ed.owner, ed.questionnaire)
    _renumber(ordered)
    await ed.session.flush()
    changes = {"questions": [str(i) for i in body.ids]}
    record(ed.session, ed.owner, "questionnaire", ed.questionnaire.id, "reorder", changes)
    await _validate(ed, "reorder")


async def _parts(ed: Editing, kind: str, question_id: uuid.UUID) -> list[Any]:
    repository = PARTS[kind][1]
    parts: list[Any] = await repository(ed.session, ed.owner.commune_id).of([question_id])
    return parts


async def add_part(
    ed: Editing, question_id: uuid.UUID, kind: str, values: dict[str, Any], position: int | None
) -> Any:
    """Add an option (``kind`` "option") or a matrix row ("matrix_row") to a question, at ``position``
    among them (default last)."""
    question = await _question(ed, question_id)
    await guard_structure(ed.session, ed.owner, ed.questionnaire)
    check_texts(ed.owner, values)
    model, _, fields, _ = PARTS[kind]
    siblings = await _parts(ed, kind, question.id)
    part = model(commune_id=ed.owner.commune_id, question_id=question.id, **values)
    _placed(siblings, part, position)
    ed.session.add(part)
    await ed.session.flush()
    record(ed.session, ed.owner, kind, part.id, "create", audit.created(part, fields))
    await _validate(ed, kind)
    return part


async def _part(ed: Editing, question_id: uuid.UUID, kind: str, part_id: uuid.UUID) -> Any:
    question = await _question(ed, question_id)
    part = next((p for p in await _parts(ed, kind, question.id) if p.id == part_id), None)
    if part is None:
        raise FormNotFound(f"{kind} {part_id} not found", reason=PARTS[kind][3])
    return part


async def update_part(
    ed: Editing, question_id: uuid.UUID, kind: str, part_id: uuid.UUID, values: dict[str, Any]
) -> Any:
    """Change an option or a row: its body is wording; an option's free text is structure."""
    part = await _part(ed, question_id, kind, part_id)
    check_texts(ed.owner, values)
    await change(ed.session, ed.owner, ed.questionnaire, kind, part, values, PARTS[kind][2])
    await _validate(ed, kind)
    return part


async def delete_part(ed: Editing, question_id: uuid.UUID, kind: str, part_id: uuid.UUID) -> None:
    """Delete an option or a row (refused while a condition refers to the option)."""
    part = await _part(ed, question_id, kind, part_id)
    await guard_structure(ed.session, ed.owner, ed.questionnaire)
    record(ed.session, ed.owner, kind, part.id, "delete", audit.deleted(part, PARTS[kind][2]))
    await ed.session.delete(part)
    await ed.session.flush()
    _renumber(await _parts(ed, kind, question_id))
    await ed.session.flush()
    await _validate(ed, kind)


async def reorder_parts(ed: Editing, question_id: uuid.UUID, kind: str, body: Reorder) -> None:
    """Set the order of a question's options or rows."""
    question = await _question(ed, question_id)
    ordered = _permutation(await _parts(ed, kind, question.id), body)
    await guard_structure(ed.session, ed.owner, ed.questionnaire)
    _renumber(ordered)
    await ed.session.flush()
    changes = {f"{kind}s": [str(i) for i in body.ids]}
    record(ed.session, ed.owner, "question", question.id, "reorder", changes)
