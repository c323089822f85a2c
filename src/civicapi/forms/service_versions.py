"""New versions of a questionnaire: the way out once a version has responses and its structure must
change. The copy takes the questions, options and rows (conditions remapped to the copies' ids); the old
version is marked superseded and keeps its responses; the owner's current questionnaire is the copy."""

from __future__ import annotations

from typing import Any

from civicapi.core.db.base import utcnow
from civicapi.forms.exceptions import FormDefinitionConflict
from civicapi.forms.models import MatrixRow, Option, Question, Questionnaire
from civicapi.forms.repository_definition import QuestionnaireRepository
from civicapi.forms.service_definition import QUESTIONNAIRE_FIELDS, Editing, load, record
from civicapi.forms.service_structure import PARTS, QUESTION_FIELDS


def _remapped(conditions: dict[str, Any] | None, ids: dict[str, str]) -> dict[str, Any] | None:
    """The conditions with the ids of questions and options replaced by their copies'."""
    if not conditions:
        return conditions
    rules = [
        {
            key: ids.get(value, value) if key in ("question_id", "option_id") else value
            for key, value in rule.items()
        }
        for rule in conditions["rules"]
    ]
    return {**conditions, "rules": rules}


async def new_version(ed: Editing) -> Questionnaire:
    """Copy the questionnaire to version + 1 and mark it superseded (409 ``superseded`` when someone did
    first: the conditional UPDATE lets one of two concurrent calls through)."""
    old, owner, session = ed.questionnaire, ed.owner, ed.session
    if not await QuestionnaireRepository(session, owner.commune_id).supersede(old.id):
        raise FormDefinitionConflict("a newer version replaced this questionnaire", reason="superseded")
    old.superseded_at = utcnow()
    copy = Questionnaire(
        commune_id=owner.commune_id,
        owner_module=owner.module,
        owner_type=owner.type,
        owner_id=owner.id,
        version=old.version + 1,
        **{f: getattr(old, f) for f in QUESTIONNAIRE_FIELDS},
    )
    session.add(copy)
    definition = await load(session, old)
    await session.flush()
    ids: dict[str, str] = {}
    copies = {  # positions renumbered in the order read: ties (equal positions) settle here
        q.id: Question(
            commune_id=owner.commune_id,
            questionnaire_id=copy.id,
            **{f: getattr(q, f) for f in QUESTION_FIELDS if f != "position"},
            position=i,
        )
        for i, q in enumerate(definition.questions)
    }
    session.add_all(copies.values())
    await session.flush()
    parts: list[tuple[Option | MatrixRow, Option | MatrixRow]] = []
    for old_id, new_question in copies.items():
        ids[str(old_id)] = str(new_question.id)
        for kind, olds in (("option", definition.options[old_id]), ("matrix_row", definition.rows[old_id])):
            model, _, fields, _ = PARTS[kind]
            for part in olds:
                values = {f: getattr(part, f) for f in fields if f != "question_id"}
                parts.append(
                    (part, model(commune_id=owner.commune_id, question_id=new_question.id, **values))
                )
    session.add_all([new for _, new in parts])
    await session.flush()
    ids.update({str(old_part.id): str(new_part.id) for old_part, new_part in parts})
    for new_question in copies.values():
        new_question.conditions = _remapped(new_question.conditions, ids)
    await session.flush()
    changes = {"version": [old.version, copy.version], "from": str(old.id)}
    record(session, owner, "questionnaire", copy.id, "new_version", changes)
    return copy
