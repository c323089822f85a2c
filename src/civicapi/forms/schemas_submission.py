"""Bodies and answers of responses to a questionnaire (the forms capability's submissions).

A body only carries shapes; what fits the questionnaire (which question, which option, how many, in range,
shown or hidden) is judged by :mod:`civicapi.forms.validation`, all problems at once."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from civicapi.core.schemas import RequestModel

MAX_ANSWERS = 500
MAX_CHOICES = 200
MAX_TEXT = 20_000


class ChoiceIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    option_id: uuid.UUID
    row_id: uuid.UUID | None = Field(default=None, description="The matrix row this option answers.")
    position: int | None = Field(default=None, description="Rank in a ranking question (1: first).")
    free_text: Annotated[str, Field(max_length=MAX_TEXT)] | None = Field(
        default=None, description="Only on an option that takes free text (may stay empty there)."
    )


class AnswerIn(RequestModel):
    """The answer to one question: ``text`` (short and long answers), ``number``, ``date`` (yyyy-mm-dd) or
    ``choices`` (choice, ranking and matrix questions). An answer carrying nothing counts as not answered."""

    model_config = ConfigDict(extra="forbid")

    question_id: uuid.UUID
    text: Annotated[str, Field(max_length=MAX_TEXT)] | None = None
    number: float | None = None
    date: Annotated[str, Field(max_length=40)] | None = Field(
        default=None, description="An ISO date, yyyy-mm-dd (checked with the other answers)."
    )
    choices: Annotated[list[ChoiceIn], Field(max_length=MAX_CHOICES)] | None = None


class SubmissionIn(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "answers": [
                    {"question_id": "5f0c6a52-7c1e-4c55-9d59-1f3c2a3b4d5e", "text": "Marie"},
                    {
                        "question_id": "0b6a7c1e-2d3f-4a5b-8c9d-0e1f2a3b4c5d",
                        "choices": [{"option_id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"}],
                    },
                ],
                "terms_accepted": True,
            }
        },
    )

    answers: Annotated[list[AnswerIn], Field(max_length=MAX_ANSWERS)]
    terms_accepted: bool = False


class ChoiceRead(BaseModel):
    option_id: uuid.UUID
    row_id: uuid.UUID | None = None
    position: int | None = None
    free_text: str | None = None


class AnswerRead(BaseModel):
    question_id: uuid.UUID
    text: str | None = None
    number: float | None = None
    date: dt.date | None = None
    choices: list[ChoiceRead] = Field(default_factory=list)


class ResponseRead(BaseModel):
    id: uuid.UUID
    questionnaire_id: uuid.UUID
    version: int
    respondent: uuid.UUID
    submitted_at: dt.datetime
    updated_at: dt.datetime
    answers: list[AnswerRead]
