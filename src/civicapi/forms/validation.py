"""Judging a response against its questionnaire: a pure function over the questionnaire's structure (loaded
once, in three queries, by the repository) and the submitted answers, returning EVERY problem at once.

Each problem is ``{"question": id | None, "reason": ..., ...}``. Reasons:

- ``unknown_question``: not a question of this questionnaire (another's, or none); ``duplicate_answer``;
- ``not_answerable``: a title-and-description; ``wrong_kind``: a value the question's type does not take
  (``expected`` says which: ``text``, ``number``, ``date``, ``choices``);
- ``hidden``: the question's display conditions hide it given the other answers (refused, not dropped);
- ``missing``: a mandatory question that is SHOWN and not answered (a hidden one is never missing);
- ``too_long`` (``max``): text over the question's max characters;
- ``unknown_option`` (``option``): an option of another question; ``duplicate_choice``;
- ``too_many_choices`` / ``too_few_choices`` (``min``/``max``): a single choice takes one option, a
  multiple choice between its min and max; a matrix single one option per row (``row``);
- ``free_text_not_allowed`` (``option``): free text on an option without it. Free text on an option that
  takes it may stay empty (an "Other" ticked without saying what is still an answer);
- ``row_required`` / ``unknown_row`` / ``row_not_allowed``: a matrix choice names one of the question's
  rows; other questions take no row;
- ``ranking_positions``: a ranking gives positions 1..n (n options ranked) without gaps or duplicates;
  ``position_not_allowed``: a position outside a ranking;
- ``out_of_range`` (``min``/``max``), ``not_integer``: a number question's bounds and integer rule;
- ``not_a_date``: a date that is not an ISO ``yyyy-mm-dd`` calendar date.
- ``terms_not_accepted`` (``question`` null): the questionnaire has terms and ``terms_accepted`` is not true.

Display conditions (``Question.conditions``: ``{"combine": "all"|"any", "rules": [...]}``) are evaluated
here with the submitted answers: ``answered``, ``not_answered``, ``equals``/``not_equals`` an option,
``contains`` a text (case-insensitive substring of the answer's text and free texts; never a regular
expression). A rule on a hidden question sees it as not answered; a rule on an unknown question, or a
cycle of conditions, counts as not answered too (definitions refuse those; this only never loops)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from civicapi.forms.models import (
    CHOICE_TYPES,
    DATE,
    LONG_ANSWER,
    MATRIX_SINGLE,
    MATRIX_TYPES,
    MULTIPLE_CHOICE,
    NUMBER,
    RANKING,
    SHORT_ANSWER,
    SINGLE_CHOICE,
    TITLE_AND_DESCRIPTION,
    MatrixRow,
    Option,
    Question,
)
from civicapi.forms.schemas_submission import AnswerIn, ChoiceIn, SubmissionIn

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TEXT_TYPES = (SHORT_ANSWER, LONG_ANSWER)
_EXPECTED = {**dict.fromkeys(TEXT_TYPES, "text"), NUMBER: "number", DATE: "date"}
_EXPECTED.update(dict.fromkeys(CHOICE_TYPES, "choices"))


@dataclass(frozen=True)
class Structure:
    """What a response is judged against: the questions in order (page, position), every option and
    matrix row of them by id, and whether the questionnaire has terms to accept."""

    questions: Sequence[Question]
    options: Sequence[Option]
    rows: Sequence[MatrixRow]
    has_terms: bool = False
    by_id: dict[uuid.UUID, Question] = field(init=False)
    option_of: dict[uuid.UUID, Option] = field(init=False)
    row_of: dict[uuid.UUID, MatrixRow] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {q.id: q for q in self.questions})
        object.__setattr__(self, "option_of", {o.id: o for o in self.options})
        object.__setattr__(self, "row_of", {r.id: r for r in self.rows})


@dataclass(frozen=True)
class CleanAnswer:
    """An answer that passed, ready to store (a date parsed)."""

    question_id: uuid.UUID
    text: str | None
    number: float | None
    day: date | None
    choices: list[ChoiceIn]


def _problem(question: uuid.UUID | None, reason: str, **extra: Any) -> dict[str, Any]:
    return {"question": str(question) if question else None, "reason": reason, **extra}


def is_answered(answer: AnswerIn | None) -> bool:
    """An answer counts when it carries something: a non-blank text, a number, a date or a choice."""
    if answer is None:
        return False
    return bool(
        (answer.text and answer.text.strip()) or answer.number is not None or answer.date or answer.choices
    )


class _Visibility:
    """Which questions the submitted answers show (memoised, cycle-safe)."""

    def __init__(self, structure: Structure, answers: dict[uuid.UUID, AnswerIn]) -> None:
        self.structure, self.answers = structure, answers
        self.known: dict[uuid.UUID, bool] = {}

    def shown(self, question: Question) -> bool:
        if question.id in self.known:
            return self.known[question.id]
        self.known[question.id] = False  # while judging: a cycle reads as hidden, never loops
        conditions = question.conditions or {}
        rules = [self._holds(rule) for rule in conditions.get("rules") or []]
        verdict = True if not rules else any(rules) if conditions.get("combine") == "any" else all(rules)
        self.known[question.id] = verdict
        return verdict

    def _answer_seen(self, question_id: Any) -> AnswerIn | None:
        try:
            target = self.structure.by_id.get(uuid.UUID(str(question_id)))
        except ValueError:
            return None
        if target is None or not self.shown(target):
            return None
        answer = self.answers.get(target.id)
        return answer if is_answered(answer) else None

    def _holds(self, rule: dict[str, Any]) -> bool:
        answer = self._answer_seen(rule.get("question_id"))
        kind = rule.get("kind")
        chosen = {str(c.option_id) for c in (answer.choices or [])} if answer else set()
        if kind == "answered":
            return answer is not None
        if kind == "not_answered":
            return answer is None
        if kind == "equals":
            return str(rule.get("option_id")) in chosen
        if kind == "not_equals":
            return str(rule.get("option_id")) not in chosen
        if kind == "contains":
            needle = str(rule.get("text") or "").casefold()
            texts = [answer.text or ""] + [c.free_text or "" for c in answer.choices or []] if answer else []
            return any(needle in text.casefold() for text in texts)
        return False


def validate(
    structure: Structure, submission: SubmissionIn
) -> tuple[list[dict[str, Any]], list[CleanAnswer]]:
    """Every problem of ``submission`` (empty when it may be stored) and its answers to store."""
    problems: list[dict[str, Any]] = []
    answers: dict[uuid.UUID, AnswerIn] = {}
    for given in submission.answers:
        if given.question_id not in structure.by_id:
            problems.append(_problem(given.question_id, "unknown_question"))
        elif given.question_id in answers:
            problems.append(_problem(given.question_id, "duplicate_answer"))
        else:
            answers[given.question_id] = given
    if structure.has_terms and not submission.terms_accepted:
        problems.append(_problem(None, "terms_not_accepted"))
    visibility = _Visibility(structure, answers)
    clean: list[CleanAnswer] = []
    for question in structure.questions:
        answer = answers.get(question.id)
        answered = is_answered(answer)
        if question.question_type == TITLE_AND_DESCRIPTION:
            if answered:
                problems.append(_problem(question.id, "not_answerable"))
            continue
        shown = visibility.shown(question)
        if answered and not shown:
            problems.append(_problem(question.id, "hidden"))
        elif not answered:
            if shown and question.mandatory:
                problems.append(_problem(question.id, "missing"))
        else:
            assert answer is not None
            found, day = _judge(structure, question, answer)
            problems.extend(found)
            if not found:
                text = answer.text if answer.text and answer.text.strip() else None
                clean.append(CleanAnswer(question.id, text, answer.number, day, list(answer.choices or [])))
    return problems, clean


def _judge(
    structure: Structure, question: Question, answer: AnswerIn
) -> tuple[list[dict[str, Any]], date | None]:
    """The problems of one answered, shown question (and its date, parsed)."""
    qtype, qid = question.question_type, question.id
    given = {
        "text": bool(answer.text and answer.text.strip()),
        "number": answer.number is not None,
        "date": bool(answer.date),
        "choices": bool(answer.choices),
    }
    expected = _EXPECTED[qtype]
    if any(present for kind, present in given.items() if kind != expected):
        return [_problem(qid, "wrong_kind", expected=expected)], None
    if qtype in TEXT_TYPES:
        text = answer.text or ""
        if question.max_characters is not None and len(text) > question.max_characters:
            return [_problem(qid, "too_long", max=question.max_characters)], None
        return [], None
    if qtype == NUMBER:
        return _judge_number(question, float(answer.number or 0)), None
    if qtype == DATE:
        day = _iso_day(answer.date or "")
        return ([], day) if day else ([_problem(qid, "not_a_date")], None)
    return _judge_choices(structure, question, answer.choices or []), None


def _iso_day(text: str) -> date | None:
    """The calendar date ``yyyy-mm-dd`` spells, else None (no other ISO form, no time)."""
    if not _ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return None


def _judge_number(question: Question, number: float) -> list[dict[str, Any]]:
    problems = []
    if question.number_integer and not number.is_integer():
        problems.append(_problem(question.id, "not_integer"))
    low, high = question.number_min, question.number_max
    if (low is not None and number < low) or (high is not None and number > high):
        problems.append(_problem(question.id, "out_of_range", min=low, max=high))
    return problems


def _judge_choices(structure: Structure, question: Question, choices: list[ChoiceIn]) -> list[dict[str, Any]]:
    qid, qtype = question.id, question.question_type
    problems: list[dict[str, Any]] = []
    seen: set[tuple[uuid.UUID, uuid.UUID | None]] = set()
    per_row: dict[uuid.UUID | None, int] = {}
    for choice in choices:
        option = structure.option_of.get(choice.option_id)
        if option is None or option.question_id != qid:
            problems.append(_problem(qid, "unknown_option", option=str(choice.option_id)))
            continue
        if choice.free_text and not option.free_text:
            problems.append(_problem(qid, "free_text_not_allowed", option=str(option.id)))
        problems.extend(_judge_row(structure, question, choice))
        if choice.position is not None and qtype != RANKING:
            problems.append(_problem(qid, "position_not_allowed", option=str(option.id)))
        key = (option.id, choice.row_id)
        if key in seen:
            problems.append(_problem(qid, "duplicate_choice", option=str(option.id)))
        seen.add(key)
        per_row[choice.row_id] = per_row.get(choice.row_id, 0) + 1
    if problems:
        return problems
    if qtype == RANKING:
        return _judge_ranking(qid, choices)
    if qtype == MATRIX_SINGLE:
        return [_problem(qid, "too_many_choices", max=1, row=str(row)) for row, n in per_row.items() if n > 1]
    return _judge_count(question, len(choices))


def _judge_row(structure: Structure, question: Question, choice: ChoiceIn) -> Iterable[dict[str, Any]]:
    qid = question.id
    if question.question_type not in MATRIX_TYPES:
        return [_problem(qid, "row_not_allowed")] if choice.row_id is not None else []
    if choice.row_id is None:
        return [_problem(qid, "row_required", option=str(choice.option_id))]
    row = structure.row_of.get(choice.row_id)
    if row is None or row.question_id != qid:
        return [_problem(qid, "unknown_row", row=str(choice.row_id))]
    return []


def _judge_ranking(qid: uuid.UUID, choices: list[ChoiceIn]) -> list[dict[str, Any]]:
    positions = sorted(c.position or 0 for c in choices)
    if positions != list(range(1, len(choices) + 1)):
        return [_problem(qid, "ranking_positions", positions=positions)]
    return []


def _judge_count(question: Question, count: int) -> list[dict[str, Any]]:
    low: int | None
    high: int | None
    if question.question_type == SINGLE_CHOICE:
        low, high = 1, 1
    elif question.question_type == MULTIPLE_CHOICE:
        low, high = question.min_choices, question.max_choices
    else:  # a matrix multiple: any number per row
        return []
    if high is not None and count > high:
        return [_problem(question.id, "too_many_choices", min=low, max=high)]
    if low is not None and count < low:
        return [_problem(question.id, "too_few_choices", min=low, max=high)]
    return []
