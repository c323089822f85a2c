"""Tables of the forms capability (``forms_*``), part of the platform's migration history.

A questionnaire belongs to a resource of a module (``owner_module``/``owner_type``/``owner_id``: a survey,
a meeting), one row per ``version``: once a version has responses only its wording changes (audited);
changing its structure means a new version. Questions are ordered on pages; choice questions have
options (and matrix questions rows); display conditions are data (``conditions``), never an expression
an administrator writes.

A response is one submission: who gave it is ``user_id`` (empty for an anonymous survey, and after the
person is erased) and a ``respondent`` pseudonym per questionnaire, the only identity exports show. Its
answers are one row per question, with one row per chosen option (and matrix row, and ranking position):
results are ``GROUP BY`` queries over these.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civicapi.core.db.base import Base, CommuneScopedMixin, IdMixin, TimestampMixin, utcnow

SHORT_ANSWER, LONG_ANSWER = "short_answer", "long_answer"
SINGLE_CHOICE, MULTIPLE_CHOICE, RANKING = "single_choice", "multiple_choice", "ranking"
MATRIX_SINGLE, MATRIX_MULTIPLE = "matrix_single", "matrix_multiple"
NUMBER, DATE, TITLE_AND_DESCRIPTION = "number", "date", "title_and_description"
QUESTION_TYPES = (
    SHORT_ANSWER,
    LONG_ANSWER,
    SINGLE_CHOICE,
    MULTIPLE_CHOICE,
    RANKING,
    MATRIX_SINGLE,
    MATRIX_MULTIPLE,
    NUMBER,
    DATE,
    TITLE_AND_DESCRIPTION,
)
CHOICE_TYPES = (SINGLE_CHOICE, MULTIPLE_CHOICE, RANKING, MATRIX_SINGLE, MATRIX_MULTIPLE)
MATRIX_TYPES = (MATRIX_SINGLE, MATRIX_MULTIPLE)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Questionnaire(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """One version of the questions a resource asks."""

    __tablename__ = "forms_questionnaire"
    __table_args__ = (
        UniqueConstraint("commune_id", "owner_module", "owner_type", "owner_id", "version"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("responses_count >= 0", name="responses_count"),
    )

    owner_module: Mapped[str] = mapped_column(String(40))
    owner_type: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[uuid.UUID]
    version: Mapped[int] = mapped_column(default=1)
    title: Mapped[dict[str, str]] = mapped_column(default=dict)
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    terms: Mapped[dict[str, str]] = mapped_column(default=dict)
    """Terms a respondent accepts; empty: none."""
    responses_count: Mapped[int] = mapped_column(default=0)
    """Responses to this version (tests excluded), changed by conditional UPDATEs: structure is frozen above 0."""
    superseded_at: Mapped[datetime | None]
    """When a newer version replaced this one (its responses stay, counted under it)."""


class Question(IdMixin, CommuneScopedMixin, Base):
    __tablename__ = "forms_question"
    __table_args__ = (
        CheckConstraint(_in("question_type", QUESTION_TYPES), name="question_type"),
        CheckConstraint("page >= 1", name="page"),
        CheckConstraint("max_characters IS NULL OR max_characters > 0", name="max_characters"),
        CheckConstraint("min_choices IS NULL OR min_choices >= 0", name="min_choices"),
        CheckConstraint(
            "max_choices IS NULL OR (max_choices >= 1 AND (min_choices IS NULL OR max_choices >= min_choices))",
            name="max_choices",
        ),
        CheckConstraint(
            "number_min IS NULL OR number_max IS NULL OR number_max >= number_min", name="number_range"
        ),
        Index("ix_forms_question_order", "questionnaire_id", "page", "position"),
    )

    questionnaire_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("forms_questionnaire.id", ondelete="CASCADE"), index=True
    )
    page: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)
    question_type: Mapped[str] = mapped_column(String(30))
    body: Mapped[dict[str, str]]
    """The question (multilingual)."""
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    mandatory: Mapped[bool] = mapped_column(default=False)
    max_characters: Mapped[int | None]
    min_choices: Mapped[int | None]
    max_choices: Mapped[int | None]
    number_min: Mapped[float | None] = mapped_column(Float)
    number_max: Mapped[float | None] = mapped_column(Float)
    number_integer: Mapped[bool] = mapped_column(default=False)
    conditions: Mapped[dict[str, Any] | None]
    """When to show the question: ``{"combine": "all"|"any", "rules": [{"question_id", "kind": "answered" |
    "not_answered" | "equals" | "not_equals" | "contains", "option_id"?, "text"?}]}``; null: always."""


class Option(IdMixin, CommuneScopedMixin, Base):
    """A choice of a choice question (a column of a matrix question)."""

    __tablename__ = "forms_option"
    __table_args__ = (Index("ix_forms_option_order", "question_id", "position"),)

    question_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("forms_question.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    body: Mapped[dict[str, str]]
    free_text: Mapped[bool] = mapped_column(default=False)
    """Choosing it asks for a text ("Other: ...")."""


class MatrixRow(IdMixin, CommuneScopedMixin, Base):
    """A row of a matrix question (each row answered with the question's options)."""

    __tablename__ = "forms_matrix_row"
    __table_args__ = (Index("ix_forms_matrix_row_order", "question_id", "position"),)

    question_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("forms_question.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    body: Mapped[dict[str, str]]


class Response(IdMixin, CommuneScopedMixin, Base):
    """One submission to one version of a questionnaire."""

    __tablename__ = "forms_response"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "respondent"),
        Index("ix_forms_response_questionnaire", "questionnaire_id", "submitted_at", "id"),
    )

    questionnaire_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("forms_questionnaire.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="SET NULL"), index=True
    )
    """Who answered; always empty for an anonymous questionnaire (the owning module keeps who has answered
    apart), emptied when the person is erased."""
    respondent: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    """A pseudonym of the respondent in this questionnaire: what exports show instead of an account."""
    district: Mapped[str | None] = mapped_column(String(60))
    age_band: Mapped[str | None] = mapped_column(String(20))
    """Breakdown attributes from the respondent's verification when they answered (results suppress small
    groups)."""
    is_test: Mapped[bool] = mapped_column(default=False)
    """Given before the questionnaire's owner was published (cleaned on publish when asked)."""
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Answer(IdMixin, CommuneScopedMixin, Base):
    """The answer to one question of a response: text, number or date; chosen options are its choices."""

    __tablename__ = "forms_answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        Index("ix_forms_answer_question", "question_id", "response_id"),
    )

    response_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("forms_response.id", ondelete="CASCADE"))
    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("forms_question.id", ondelete="CASCADE"))
    text: Mapped[str | None] = mapped_column(Text)
    number: Mapped[float | None] = mapped_column(Float)
    day: Mapped[date | None]
    hidden_at: Mapped[datetime | None]
    """A free-text answer a moderator hid from the published results (it still counts)."""


class AnswerChoice(IdMixin, CommuneScopedMixin, Base):
    """An option chosen in an answer (for a matrix, in one of its rows; for a ranking, at a position)."""

    __tablename__ = "forms_answer_choice"
    __table_args__ = (
        UniqueConstraint("answer_id", "option_id", "matrix_row_id"),
        CheckConstraint("position IS NULL OR position >= 1", name="position"),
        Index("ix_forms_answer_choice_option", "option_id", "matrix_row_id"),
    )

    answer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("forms_answer.id", ondelete="CASCADE"), index=True
    )
    option_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("forms_option.id", ondelete="CASCADE"))
    matrix_row_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("forms_matrix_row.id", ondelete="CASCADE")
    )
    position: Mapped[int | None]
    """Rank given in a ranking question (1: first)."""
    free_text: Mapped[str | None] = mapped_column(Text)
    hidden_at: Mapped[datetime | None]
    """The option's free text hidden by a moderator from the published results (the choice still counts)."""


MODELS: list[type[Any]] = [Questionnaire, Question, Option, MatrixRow, Response, Answer, AnswerChoice]
