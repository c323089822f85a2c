"""Bodies and answers of the closing: what a meeting decided, and the proposals it discussed."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from civicapi.core.i18n import MultilingualText
from civicapi.core.schemas import RequestModel
from civicapi.modules.agenda.schemas import ClosingInfo

HttpsUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^https://[^\s/]+\S*$")
]
"""An ``https`` link (a recording's page or file)."""

MAX_PROPOSALS = 100


class ClosingWrite(RequestModel):
    """The closing report of a meeting that has started; sending it again replaces it (every field)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "minutes": {"fr": "Les habitants ont retenu trois projets pour le quartier."},
                "attendees_count": 42,
                "contributions_count": 17,
                "attending_organizations": "Comité de quartier Nord, Maison des jeunes",
                "video_url": "https://www.youtube.com/watch?v=abc123",
                "audio_url": None,
                "proposal_ids": ["8d5e1a0c-3b7f-4c2a-9e61-2f4d8b7a1c90"],
                "closing_visible": True,
            }
        },
    )

    minutes: MultilingualText = Field(description="What was said and decided, in the commune's locales.")
    attendees_count: int | None = Field(default=None, ge=0, le=1_000_000)
    contributions_count: int | None = Field(default=None, ge=0, le=1_000_000)
    attending_organizations: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None
    ) = None
    video_url: HttpsUrl | None = Field(default=None, description="An `https` link to the recording.")
    audio_url: HttpsUrl | None = Field(default=None, description="An `https` link to the audio recording.")
    proposal_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_PROPOSALS,
        description="Proposals of this commune discussed at the meeting (each once).",
    )
    closing_visible: bool = Field(default=True, description="Show the closing to the public.")

    @field_validator("proposal_ids")
    @classmethod
    def _once_each(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(value)) != len(value):
            raise ValueError("a proposal is listed twice")
        return value


class DiscussedProposal(BaseModel):
    """A proposal discussed at the meeting, as the proposals module's events described it."""

    id: uuid.UUID
    reference: str | None
    title: dict[str, str]
    withdrawn: bool


class ClosingRead(ClosingInfo):
    """The closing of a meeting, with the proposals it discussed (in the order they were first linked)."""

    meeting_id: uuid.UUID
    proposals: list[DiscussedProposal]
