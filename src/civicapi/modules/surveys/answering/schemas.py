"""Response bodies of answering surveys (the answers' bodies are the forms capability's ``SubmissionIn``
and ``ResponseRead``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ParticipationRead(BaseModel):
    """Whether the signed-in person has answered the survey. Also the receipt a replayed answer to an
    anonymous survey gets once nothing links the person to their response any more."""

    answered: bool
    answers: int = Field(description="How many times (more than 1 only where several answers are allowed).")
    can_edit: bool = Field(description="Their answer may still be changed (`PUT .../responses/mine`).")


class AnswerTokenRead(BaseModel):
    """A one-time answer token: send it as the `Answer-Token` header of `POST .../responses`."""

    token: str = Field(description="Shown once: only its SHA-256 is stored.")
    expires_at: datetime
