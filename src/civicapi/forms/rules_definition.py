"""The rules of a questionnaire's definition, checked on the state a write would leave (pure functions):
which fields each question type takes, its options and rows, and display conditions that refer only to
earlier questions and their options. Every broken rule is listed; the first names the problem's reason."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from civicapi.forms.exceptions import FormDefinitionInvalid
from civicapi.forms.models import (
    CHOICE_TYPES,
    LONG_ANSWER,
    MATRIX_TYPES,
    MULTIPLE_CHOICE,
    NUMBER,
    SHORT_ANSWER,
    TITLE_AND_DESCRIPTION,
)

TEXT_TYPES = (SHORT_ANSWER, LONG_ANSWER)
FIELDS_OF_TYPES: dict[str, tuple[str, ...]] = {
    "max_characters": TEXT_TYPES,
    "min_choices": (MULTIPLE_CHOICE,),
    "max_choices": (MULTIPLE_CHOICE,),
    "number_min": (NUMBER,),
    "number_max": (NUMBER,),
    "number_integer": (NUMBER,),
}
"""A field set (not null, not false) on a question of another type is refused."""
OPTION_KINDS = ("equals", "not_equals")
"""Kinds testing whether an option (``option_id``, of the referred question) was chosen."""
TEXT_KINDS = ("contains",)
"""Kinds testing whether the answer's text or free texts contain ``text`` (a substring, never a pattern)."""
FLAT_CHOICE_TYPES = tuple(t for t in CHOICE_TYPES if t not in MATRIX_TYPES)
APPLIES_TO: dict[str, tuple[str, ...]] = {
    "equals": FLAT_CHOICE_TYPES,
    "not_equals": FLAT_CHOICE_TYPES,
    "contains": (*TEXT_TYPES, *FLAT_CHOICE_TYPES),
}
"""The question types each kind with an operand may refer to (``answered``/``not_answered``: any answered
type)."""


@dataclass
class Shape:
    """What the rules look at of one question: its fields and how many options and rows it has."""

    id: uuid.UUID | None
    question_type: str
    fields: Mapping[str, Any]
    option_ids: Sequence[uuid.UUID] = ()
    free_text_options: int = 0
    rows: int = 0
    conditions: Mapping[str, Any] | None = None


@dataclass
class Problems:
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, location: Sequence[str | int], code: str, message: str) -> None:
        self.errors.append({"location": ["body", *location], "message": message, "code": code})

    def raise_any(self, what: str) -> None:
        if self.errors:
            raise FormDefinitionInvalid(
                f"{what}: {self.errors[0]['message']}", reason=self.errors[0]["code"], errors=self.errors
            )


def check_shape(shape: Shape, problems: Problems) -> None:
    """The fields, options and rows the question's type takes."""
    qtype = shape.question_type
    for name, types in FIELDS_OF_TYPES.items():
        value = shape.fields.get(name)
        if value not in (None, False) and qtype not in types:
            problems.add([name], "field_not_for_type", f"a {qtype} question takes no {name}")
    if shape.fields.get("mandatory") and qtype == TITLE_AND_DESCRIPTION:
        problems.add(["mandatory"], "field_not_for_type", "a title and description is never answered")
    if qtype in CHOICE_TYPES and not shape.option_ids:
        problems.add(["options"], "options_required", f"a {qtype} question needs options")
    if qtype not in CHOICE_TYPES and shape.option_ids:
        problems.add(["options"], "options_not_for_type", f"a {qtype} question takes no options")
    if qtype in MATRIX_TYPES and shape.free_text_options:
        problems.add(["options"], "field_not_for_type", "a matrix's options take no free text")
    if qtype in MATRIX_TYPES and not shape.rows:
        problems.add(["rows"], "rows_required", f"a {qtype} question needs rows")
    if qtype not in MATRIX_TYPES and shape.rows:
        problems.add(["rows"], "rows_not_for_type", f"a {qtype} question takes no rows")
    low, high = shape.fields.get("min_choices"), shape.fields.get("max_choices")
    if low is not None and high is not None and low > high:
        problems.add(["min_choices"], "choices_inverted", "min_choices is above max_choices")
    if low is not None and qtype in CHOICE_TYPES and low > len(shape.option_ids):
        problems.add(["min_choices"], "too_many_choices", "min_choices is above the number of options")
    nmin, nmax = shape.fields.get("number_min"), shape.fields.get("number_max")
    if nmin is not None and nmax is not None and nmin > nmax:
        problems.add(["number_min"], "number_range_inverted", "number_min is above number_max")


def _check_rule(
    rule: Mapping[str, Any], at: int, order: Sequence[Shape], where: list[str | int], problems: Problems
) -> None:
    target_id = uuid.UUID(str(rule["question_id"]))
    index = next((i for i, s in enumerate(order) if s.id == target_id), None)
    if index is None:
        problems.add([*where, "question_id"], "condition_unknown_question", "no such question here")
        return
    if index >= at:
        problems.add(
            [*where, "question_id"], "condition_not_earlier", "a rule may refer only to an earlier question"
        )
        return
    target, kind = order[index], rule["kind"]
    option_id, text = rule.get("option_id"), rule.get("text")
    applies = APPLIES_TO.get(kind)
    if target.question_type == TITLE_AND_DESCRIPTION or (
        applies is not None and target.question_type not in applies
    ):
        problems.add([*where, "kind"], "condition_not_applicable", f"{kind} does not apply to that question")
        return
    wants_option, wants_text = kind in OPTION_KINDS, kind in TEXT_KINDS
    if (option_id is not None) != wants_option or (text is not None) != wants_text:
        needs = "an option_id" if wants_option else "a text" if wants_text else "no operand"
        problems.add([*where, "kind"], "condition_operand", f"{kind} takes {needs}")
        return
    if option_id is not None and uuid.UUID(str(option_id)) not in target.option_ids:
        problems.add([*where, "option_id"], "condition_unknown_option", "not an option of that question")


def check_conditions(order: Sequence[Shape], problems: Problems, *, only: uuid.UUID | None = None) -> None:
    """Each question's rules (or only those of question ``only``) against the questions before it."""
    for at, shape in enumerate(order):
        if shape.conditions is None or (only is not None and shape.id != only):
            continue
        for r, rule in enumerate(shape.conditions.get("rules", [])):
            _check_rule(rule, at, order, ["conditions", "rules", r], problems)
