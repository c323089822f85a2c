"""Request and response bodies of the surveys' management use case."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from civicapi.core.i18n import MultilingualText, MultilingualTitle
from civicapi.core.schemas import RequestModel, omittable

SurveyStatus = Literal["draft", "published", "closed"]
K_HELP = "k: a group of fewer responses is not shown in results' breakdowns (default 5)."

_EXAMPLE: dict[str, Any] = {
    "title": {"fr": "Consultation sur le parc"},
    "description": {"fr": "Votre avis sur le réaménagement du parc."},
    "starts_at": "2027-03-01T08:00:00+01:00",
    "ends_at": "2027-03-31T20:00:00+02:00",
    "anonymous": True,
    "min_group_size": 5,
}


class SurveyCreate(RequestModel):
    """A new survey (a draft), with its questionnaire (empty, titled like the survey). Times carry their
    offset; they are stored in UTC. Texts in the commune's locales."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _EXAMPLE})

    title: MultilingualTitle
    description: MultilingualText | None = None
    starts_at: AwareDatetime | None = Field(
        default=None, description="Answers from then; none: once published."
    )
    ends_at: AwareDatetime | None = Field(default=None, description="...until then (after `starts_at`).")
    anonymous: bool = False
    allow_editing: bool = False
    multiple_answers: bool = False
    answers_without_account: bool = False
    results_published: bool = False
    min_group_size: int = Field(default=5, ge=1, le=1000, description=K_HELP)


class SurveyUpdate(RequestModel):
    """Fields to change (absent: unchanged; null clears the window's ends). Wording, window and publicity
    of results change at any time; `anonymous`, `multiple_answers` and `answers_without_account` only
    while the survey has no counted answer (409 `has_answers`)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"ends_at": "2027-04-15T20:00:00+02:00"}}
    )

    title: MultilingualTitle = omittable()
    description: MultilingualText | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    anonymous: bool = omittable()
    allow_editing: bool = omittable()
    multiple_answers: bool = omittable()
    answers_without_account: bool = omittable()
    results_published: bool = omittable()
    min_group_size: int = omittable(ge=1, le=1000, description=K_HELP)


class SurveyLinks(BaseModel):
    questionnaire: str = Field(
        description="The survey's questionnaire (`GET` it to answer; managers edit it)."
    )
    responses: str = Field(description="Where answers are sent (`POST`), and one's own read (`.../mine`).")
    results: str = Field(description="The results (public once `results_published`; managers always).")


class SurveyRead(BaseModel):
    """A survey as its readers see it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    component_id: uuid.UUID
    status: str = Field(description="`draft` (managers only), `published` or `closed`.")
    open: bool = Field(
        description="Takes answers now: published, within its window, in a phase that allows answers."
    )
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
    links: SurveyLinks
