"""Request and response bodies of questionnaire definitions: the questionnaire's wording, its questions
(one model for every type: each type takes only its own fields, checked by ``rules_definition``), their
options and matrix rows, display conditions (data, never an expression), reorders and the respondent's
view (questions in order, by page)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from civicapi.core.i18n import MultilingualText, MultilingualTitle
from civicapi.core.schemas import RequestModel, omittable, trimmed
from civicapi.forms.models import QUESTION_TYPES

QuestionType = Literal[QUESTION_TYPES]  # type: ignore[valid-type]
RuleKind = Literal["answered", "not_answered", "equals", "not_equals", "contains"]
MAX_RULES = 20
MAX_OPTIONS = 50
MAX_ROWS = 30


class ConditionRule(RequestModel):
    """One test on an earlier question's answer: `answered`/`not_answered` take no operand; `equals` and
    `not_equals` take `option_id` (an option of that choice question: chosen or not); `contains` takes
    `text` (found, ignoring case, in the answer's text or an option's free text; never a pattern)."""

    question_id: uuid.UUID
    kind: RuleKind
    option_id: uuid.UUID | None = None
    text: Annotated[str, trimmed(500)] | None = None


class Conditions(RequestModel):
    """When the question is shown: all (or any) of the rules hold; null: always."""

    combine: Literal["all", "any"] = "all"
    rules: list[ConditionRule] = Field(min_length=1, max_length=MAX_RULES)


class OptionCreate(RequestModel):
    body: MultilingualTitle
    free_text: bool = False
    position: int | None = Field(default=None, ge=0, description="Index among the options; default last.")


class OptionUpdate(RequestModel):
    body: MultilingualTitle = omittable()
    free_text: bool = omittable()


class RowCreate(RequestModel):
    body: MultilingualTitle
    position: int | None = Field(default=None, ge=0, description="Index among the rows; default last.")


class RowUpdate(RequestModel):
    body: MultilingualTitle = omittable()


class QuestionFields(RequestModel):
    """Fields a type may take: `max_characters` (short and long answers), `min_choices`/`max_choices`
    (multiple choice), `number_min`/`number_max`/`number_integer` (number)."""

    description: MultilingualText | None = None
    mandatory: bool = False
    page: int = Field(default=1, ge=1, le=100)
    max_characters: int | None = Field(default=None, ge=1, le=20_000)
    min_choices: int | None = Field(default=None, ge=0, le=MAX_OPTIONS)
    max_choices: int | None = Field(default=None, ge=1, le=MAX_OPTIONS)
    number_min: float | None = None
    number_max: float | None = None
    number_integer: bool = False
    conditions: Conditions | None = None


class QuestionCreate(QuestionFields):
    question_type: QuestionType
    body: MultilingualText
    position: int | None = Field(
        default=None, ge=0, description="Index in the questionnaire's order; default last of its page."
    )
    options: list[OptionCreate] = Field(default=[], max_length=MAX_OPTIONS)
    rows: list[RowCreate] = Field(default=[], max_length=MAX_ROWS)


class QuestionUpdate(RequestModel):
    """Changes of a question (its type stays). Once the questionnaire has responses only `body` and
    `description` may change."""

    body: MultilingualText = omittable()
    description: MultilingualText | None = None
    mandatory: bool = omittable()
    page: int = omittable(ge=1, le=100)
    max_characters: int | None = Field(default=None, ge=1, le=20_000)
    min_choices: int | None = Field(default=None, ge=0, le=MAX_OPTIONS)
    max_choices: int | None = Field(default=None, ge=1, le=MAX_OPTIONS)
    number_min: float | None = None
    number_max: float | None = None
    number_integer: bool = omittable()
    conditions: Conditions | None = None


class QuestionnaireWrite(RequestModel):
    title: MultilingualTitle
    description: MultilingualText | None = None
    terms: MultilingualText | None = None


class Reorder(RequestModel):
    ids: list[uuid.UUID] = Field(
        min_length=1, max_length=500, description="Every id, once, in the new order."
    )


class OptionRead(BaseModel):
    id: uuid.UUID
    position: int
    body: dict[str, str]
    free_text: bool


class RowRead(BaseModel):
    id: uuid.UUID
    position: int
    body: dict[str, str]


class QuestionRead(BaseModel):
    id: uuid.UUID
    question_type: str
    page: int
    position: int
    body: dict[str, str]
    description: dict[str, str]
    mandatory: bool
    max_characters: int | None
    min_choices: int | None
    max_choices: int | None
    number_min: float | None
    number_max: float | None
    number_integer: bool
    conditions: dict[str, object] | None
    options: list[OptionRead]
    rows: list[RowRead]


class PageRead(BaseModel):
    page: int
    questions: list[QuestionRead]


class QuestionnaireRead(BaseModel):
    id: uuid.UUID
    version: int
    title: dict[str, str]
    description: dict[str, str]
    terms: dict[str, str]
    responses_count: int
    superseded_at: datetime | None
    pages: list[PageRead] = Field(description="The questions as a respondent sees them: by page, in order.")
