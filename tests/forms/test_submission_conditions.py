"""Display conditions, judged by the pure validation with the submitted answers: every rule kind, all/any,
a rule on a hidden question reading it as not answered, text matched as text (never a pattern)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from civicapi.forms.models import LONG_ANSWER, SHORT_ANSWER, SINGLE_CHOICE, Option, Question
from civicapi.forms.schemas_submission import SubmissionIn
from civicapi.forms.validation import Structure, validate

YES, NO = uuid.uuid4(), uuid.uuid4()


def _question(position: int, qtype: str = SHORT_ANSWER, **fields: Any) -> Question:
    fields.setdefault("mandatory", False)
    return Question(
        id=uuid.uuid4(), page=1, position=position, question_type=qtype, body={"fr": "q"}, **fields
    )


def _rule(question: Question, kind: str, **extra: Any) -> dict[str, Any]:
    return {"question_id": str(question.id), "kind": kind, **extra}


def _structure(
    *rules: Callable[[list[Question]], dict[str, Any]], combine: str = "all", mandatory: bool = True
) -> tuple[Structure, list[Question]]:
    """A single choice (yes/no), a short answer, and a mandatory long answer shown by ``rules``."""
    choice = _question(0, SINGLE_CHOICE)
    text = _question(1)
    questions = [choice, text]
    options = [
        Option(id=YES, question_id=choice.id, body={}, free_text=False),
        Option(id=NO, question_id=choice.id, body={}, free_text=False),
    ]
    shown = _question(
        2,
        LONG_ANSWER,
        mandatory=mandatory,
        conditions={"combine": combine, "rules": [r(questions) for r in rules]},
    )
    return Structure([*questions, shown], options, []), [*questions, shown]


def _verdicts(
    structure: Structure, questions: list[Question], choice: uuid.UUID | None, text: str | None
) -> list[tuple[str, str]]:
    """Problems of a submission answering the choice and the text but not the conditional question."""
    answers: list[dict[str, Any]] = []
    if choice:
        answers.append({"question_id": str(questions[0].id), "choices": [{"option_id": str(choice)}]})
    if text is not None:
        answers.append({"question_id": str(questions[1].id), "text": text})
    problems, _ = validate(structure, SubmissionIn.model_validate({"answers": answers}))
    return [(p["question"], p["reason"]) for p in problems]


def shown(
    structure: Structure, questions: list[Question], choice: uuid.UUID | None = None, text: str | None = None
) -> bool:
    """The conditional (mandatory) question is shown exactly when leaving it out makes it missing."""
    verdicts = _verdicts(structure, questions, choice, text)
    assert set(verdicts) <= {(str(questions[2].id), "missing")}, verdicts
    return bool(verdicts)


def on(index: int, kind: str, **extra: Any) -> Any:
    return lambda questions: _rule(questions[index], kind, **extra)


@pytest.mark.parametrize(
    ("rules", "combine", "cases"),
    [
        ([on(1, "answered")], "all", [((None, None), False), ((None, "x"), True), ((None, "  "), False)]),
        ([on(1, "not_answered")], "all", [((None, None), True), ((None, "x"), False)]),
        (
            [on(0, "equals", option_id=str(YES))],
            "all",
            [((YES, None), True), ((NO, None), False), ((None, None), False)],
        ),
        (
            [on(0, "not_equals", option_id=str(YES))],
            "all",
            [((YES, None), False), ((NO, None), True), ((None, None), True)],
        ),
        (
            [on(1, "contains", text="Parc")],
            "all",
            [((None, "le PARC est beau"), True), ((None, "la rue"), False), ((None, None), False)],
        ),
        ([on(1, "contains", text="a.c")], "all", [((None, "abc"), False), ((None, "xa.cx"), True)]),
        (
            [on(1, "contains", text="(a+)+$")],
            "all",
            [((None, "a" * 40 + "!"), False), ((None, "x(a+)+$"), True)],
        ),
        (
            [on(0, "equals", option_id=str(YES)), on(1, "answered")],
            "all",
            [((YES, "x"), True), ((YES, None), False), ((NO, "x"), False)],
        ),
        (
            [on(0, "equals", option_id=str(YES)), on(1, "answered")],
            "any",
            [((YES, None), True), ((NO, "x"), True), ((NO, None), False)],
        ),
    ],
)
def test_each_rule_kind_and_combination(rules: list[Any], combine: str, cases: list[Any]) -> None:
    structure, questions = _structure(*rules, combine=combine)
    for (choice, text), expected in cases:
        assert shown(structure, questions, choice, text) is expected, (choice, text)


def test_a_rule_on_a_hidden_question_reads_it_as_not_answered() -> None:
    """first (choice) -> second shown when "yes" -> third shown when second answered."""
    choice = _question(0, SINGLE_CHOICE)
    second = _question(
        1, conditions={"combine": "all", "rules": [_rule(choice, "equals", option_id=str(YES))]}
    )
    third = _question(2, mandatory=True, conditions={"combine": "all", "rules": [_rule(second, "answered")]})
    options = [
        Option(id=YES, question_id=choice.id, body={}, free_text=False),
        Option(id=NO, question_id=choice.id, body={}, free_text=False),
    ]
    structure = Structure([choice, second, third], options, [])

    def problems(option: uuid.UUID, second_text: str | None, third_text: str | None) -> set[tuple[str, str]]:
        answers: list[dict[str, Any]] = [
            {"question_id": str(choice.id), "choices": [{"option_id": str(option)}]}
        ]
        answers += [
            {"question_id": str(q.id), "text": t}
            for q, t in ((second, second_text), (third, third_text))
            if t
        ]
        found, _ = validate(structure, SubmissionIn.model_validate({"answers": answers}))
        return {(p["question"], p["reason"]) for p in found}

    assert problems(YES, "a", None) == {(str(third.id), "missing")}
    assert problems(YES, "a", "b") == set()
    # "no" hides the second; its answer is refused and the third, on a hidden question, is hidden too
    assert problems(NO, "a", "b") == {(str(second.id), "hidden"), (str(third.id), "hidden")}
    assert problems(NO, None, None) == set()


def test_conditions_in_a_cycle_or_on_unknown_questions_hide_and_never_loop() -> None:
    first = _question(0)
    second = _question(1, conditions={"combine": "all", "rules": [_rule(first, "answered")]})
    first.conditions = {"combine": "all", "rules": [_rule(second, "answered")]}
    ghost = _question(
        2,
        conditions={
            "combine": "any",
            "rules": [
                {"question_id": str(uuid.uuid4()), "kind": "answered"},
                {"question_id": "not-a-uuid", "kind": "answered"},
            ],
        },
    )
    structure = Structure([first, second, ghost], [], [])
    answers = [{"question_id": str(q.id), "text": "x"} for q in (first, second, ghost)]
    found, _ = validate(structure, SubmissionIn.model_validate({"answers": answers}))
    assert {p["reason"] for p in found} == {"hidden"} and len(found) == 3
