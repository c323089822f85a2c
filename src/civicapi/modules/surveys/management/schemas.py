"""Request and response bodies of the surveys' management use case."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SurveyRead(BaseModel):
    """A survey as its readers see it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    component_id: uuid.UUID
    status: str = Field(description="`draft` (managers only), `published` or `closed`.")
    title: dict[str, str]
    description: dict[str, str]
    starts_at: datetime | None = Field(description="Answers are taken from then; none: once published.")
    ends_at: datetime | None = Field(description="...until then; none: until closed.")
    anonymous: bool
    allow_editing: bool
    multiple_answers: bool
    answers_without_account: bool
    results_published: bool
    min_group_size: int = Field(description="k: smaller groups are not shown in results' breakdowns.")
    answers_count: int
    published_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
