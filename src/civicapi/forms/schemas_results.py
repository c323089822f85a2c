"""What a questionnaire's results look like (counted in SQL; see ``forms/results.py``)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from civicapi.core.schemas import RequestModel


class OptionCount(BaseModel):
    option_id: uuid.UUID
    count: int
    share: float = Field(description="`count` over the responses that answered the question (or the row).")


class MatrixRowCounts(BaseModel):
    row_id: uuid.UUID
    options: list[OptionCount]


class RankingScore(BaseModel):
    option_id: uuid.UUID
    ranked: int = Field(description="How many responses ranked it.")
    mean_position: float | None = Field(description="1 is first; null when nobody ranked it.")
    borda: int = Field(description="Borda score: n - position points for each rank given (n options).")


class NumberStats(BaseModel):
    count: int
    min: float | None
    max: float | None
    mean: float | None
    median: float | None


class DateStats(BaseModel):
    count: int
    min: date | None
    max: date | None


class QuestionResult(BaseModel):
    question_id: uuid.UUID
    question_type: str
    answered: int = Field(description="Counted responses that answered the question.")
    options: list[OptionCount] | None = None
    rows: list[MatrixRowCounts] | None = None
    ranking: list[RankingScore] | None = None
    number: NumberStats | None = None
    date: DateStats | None = None


class GroupCount(BaseModel):
    question_id: uuid.UUID
    row_id: uuid.UUID | None
    option_id: uuid.UUID
    count: int


class GroupResult(BaseModel):
    group: str = Field(
        description="The attribute's value; `unknown` for responses without it; `other` for the pooled "
        "groups too small to show."
    )
    responses: int
    counts: list[GroupCount]


class Breakdown(BaseModel):
    dimension: str
    min_group_size: int
    groups: list[GroupResult]
    pooled: int = Field(description="How many groups were too small and pooled into `other` (or withheld).")
    withheld: int = Field(description="Responses in no group shown (a pool still under the minimum size).")


class QuestionnaireResults(BaseModel):
    questionnaire_id: uuid.UUID
    version: int
    published: bool
    responses: int = Field(description="Counted responses (test responses excluded).")
    questions: list[QuestionResult]
    breakdowns: list[Breakdown]


class TextAnswerRead(BaseModel):
    id: uuid.UUID
    question_id: uuid.UUID
    option_id: uuid.UUID | None = Field(
        default=None,
        description='Set for the free text of a chosen option ("other: ..."): that option; null for a '
        "written answer.",
    )
    text: str
    hidden: bool


class TextAnswerModeration(RequestModel):
    hidden: bool = Field(
        description="true hides the answer (or option's free text) from the published results; false shows it."
    )
