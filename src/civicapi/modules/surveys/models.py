"""Tables of the surveys module (``surveys_*``): the surveys of a component, the register of who has
answered each (apart from what they answered), and the one-time tokens that let a person without an
account answer. The questions and the answers themselves are the forms capability's (``forms_*``): a
survey owns one questionnaire (``owner = ("surveys", "survey", survey.id)``), versioned there.
Foreign keys go only to own and platform tables.

**Who answered is not what was answered.** For an anonymous survey the forms response carries no account
(``user_id`` empty); the register row here says only that the person answered (and how many times, where
several answers are allowed), with no time and, once the survey is closed, no link to any response. One
answer per person holds by the register's unique constraint, whatever the survey's anonymity.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civicapi.core.db.base import Base, CommuneScopedMixin, IdMixin, TimestampMixin, utcnow

# A draft is seen by the holders of ``surveys.manage`` only (its answers are test answers, not counted,
# cleaned on publish); a published survey takes answers within its window and the phases that allow it;
# a closed one takes none (its results and exports stay).
DRAFT, PUBLISHED, CLOSED = "draft", "published", "closed"
SURVEY_STATUSES = (DRAFT, PUBLISHED, CLOSED)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _survey_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("surveys_survey.id", ondelete="CASCADE"), index=True)


class Survey(IdMixin, TimestampMixin, CommuneScopedMixin, Base):
    """A consultation of a component: its questionnaire (forms capability), when it takes answers, from
    whom and how often, and whether its results are public."""

    __tablename__ = "surveys_survey"
    __table_args__ = (
        CheckConstraint(_in("status", SURVEY_STATUSES), name="status"),
        CheckConstraint("ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="window"),
        CheckConstraint("min_group_size >= 1", name="min_group_size"),
        CheckConstraint("answers_count >= 0", name="answers_count"),
        Index("ix_surveys_survey_component_created", "component_id", "created_at", "id"),
    )

    component_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("spaces_component.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    title: Mapped[dict[str, str]]
    description: Mapped[dict[str, str]] = mapped_column(default=dict)
    starts_at: Mapped[datetime | None]
    """Answers are taken from then (UTC); none: as soon as published."""
    ends_at: Mapped[datetime | None]
    """...until then (UTC); none: until closed."""
    anonymous: Mapped[bool] = mapped_column(default=False)
    """Responses carry no account: who answered is kept apart (the register), never joined to answers."""
    allow_editing: Mapped[bool] = mapped_column(default=False)
    """A person may change their answer until the survey closes."""
    multiple_answers: Mapped[bool] = mapped_column(default=False)
    """A person may answer several times (each a response); otherwise one answer per person."""
    answers_without_account: Mapped[bool] = mapped_column(default=False)
    """People without an account may answer with a one-time answer token (rate-limited per address)."""
    results_published: Mapped[bool] = mapped_column(default=False)
    """Results are public (for whoever sees the survey); otherwise for managers only."""
    min_group_size: Mapped[int] = mapped_column(default=5)
    """k: a group of fewer responses is not shown in results' breakdowns (small-group suppression)."""
    answers_count: Mapped[int] = mapped_column(default=0)
    """Counted responses (test answers excluded), changed by conditional UPDATEs."""
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("identity_user.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class Participant(IdMixin, CommuneScopedMixin, Base):
    """The register of who has answered a survey: one row per person and survey (unique: one answer per
    person, race-free), with how many responses they gave (several only where the survey allows). No time
    is kept. ``response_id`` links to the person's response only while it may still be edited (a survey
    that allows editing, until it closes); it is emptied at close, and never set for an anonymous survey
    that does not allow editing."""

    __tablename__ = "surveys_participant"
    __table_args__ = (
        UniqueConstraint("survey_id", "user_id"),
        CheckConstraint("answers >= 1", name="answers"),
    )

    survey_id: Mapped[uuid.UUID] = _survey_fk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), index=True)
    answers: Mapped[int] = mapped_column(default=1)
    response_id: Mapped[uuid.UUID | None]
    """The forms response, while editable (see above); no foreign key: the capability owns it."""
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 of the ``Idempotency-Key`` of the person's latest answer: a retry with it is a replay. It
    names no response (a replay of an anonymous answer that may not be edited is a receipt)."""


class AnswerToken(IdMixin, CommuneScopedMixin, Base):
    """A one-time token that lets someone without an account answer a survey that allows it: issued by the
    API (rate-limited per client address), spent by one response (a conditional UPDATE). Only its SHA-256
    is stored."""

    __tablename__ = "surveys_answer_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    survey_id: Mapped[uuid.UUID] = _survey_fk()
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


MODELS = (Survey, Participant, AnswerToken)
