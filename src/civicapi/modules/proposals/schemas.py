"""Request and response bodies of proposals, supports, states and answers (``XCreate`` / ``XUpdate`` /
``XRead``). Write schemas are strict (unknown fields are a 422); limits that depend on the component's
settings (title and body lengths, allowed categories) are checked by the services."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from civicapi.core.i18n import MultilingualText, MultilingualTitle, multilingual
from civicapi.core.schemas import RequestModel, omittable, trimmed

Tag = Annotated[str, trimmed(60)]
Address = Annotated[str, trimmed(300)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
ProposalBody = multilingual(20_000, min_length=0)
StateToken = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]

_PROPOSAL_EXAMPLE: dict[str, Any] = {
    "title": {"fr": "Un potager collectif place du Marché", "nl": "Een moestuin op de Marktplein"},
    "body": {"fr": "Transformer la pelouse en potager géré par les habitant·es du quartier."},
    "address": "Place du Marché, 4000 Liège",
    "latitude": 50.6451,
    "longitude": 5.5736,
    "category": "Environnement",
    "district": "Centre",
}

_PARTICIPATION_EXAMPLE: dict[str, Any] = {
    "supports_given": 2,
    "support_limit": 10,
    "supports_left": 8,
    "minimum_supports": 3,
    "remaining": 1,
    "proposals_created": 1,
    "proposal_limit": 3,
}


class ProposalStatus(StrEnum):
    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"


class SupportStatus(StrEnum):
    counted = "counted"
    pending = "pending"


def _coordinates_together(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise ValueError("give latitude and longitude together, or neither")


class ProposalCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _PROPOSAL_EXAMPLE})

    title: MultilingualTitle
    body: ProposalBody  # type: ignore[valid-type]  # a multilingual() type alias
    address: Address | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    category: Tag | None = None
    district: Tag | None = None
    official: bool = Field(
        default=False, description="Authored by the commune, not by the caller (needs `proposals.official`)."
    )

    @model_validator(mode="after")
    def _coordinates(self) -> ProposalCreate:
        _coordinates_together(self.latitude, self.longitude)
        return self


class ProposalUpdate(RequestModel):
    """Applies only the fields sent; null clears an optional field."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"district": "Outremeuse", "address": None}}
    )

    title: MultilingualTitle = omittable()
    body: ProposalBody = omittable()  # type: ignore[valid-type]
    address: Address | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    category: Tag | None = None
    district: Tag | None = None


class AuthorRead(BaseModel):
    user_id: uuid.UUID | None = Field(description="Null once the account is gone or was erased.")
    name: str = Field(description='Public name; "deleted participant" after erasure.')
    deleted: bool = False


class StateRef(BaseModel):
    token: str
    name: dict[str, str]


class AnswerRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "state": {"token": "accepted", "name": {"fr": "Acceptée", "nl": "Aanvaard"}},
                "answer": {"fr": "Le collège retient la proposition."},
                "cost": 25000,
                "cost_explanation": {"fr": "Bacs, terre, outillage."},
                "execution_period": {"fr": "Printemps 2027"},
                "answered_at": "2026-10-02T08:00:00Z",
                "published_at": "2026-10-02T08:00:00Z",
            }
        }
    )

    state: StateRef
    answer: dict[str, str] | None
    cost: int | None
    cost_explanation: dict[str, str] | None
    execution_period: dict[str, str] | None
    answered_at: datetime
    published_at: datetime | None = Field(description="Null while held for a bulk publication (admins only).")


class ProposalRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "0b7c9a52-6a0e-4a7e-9a55-1e9b0c2f4d11",
                "component_id": "5c1d2e3f-0000-4000-8000-000000000001",
                "reference": "LGE-PROP-2026-0042",
                "status": "published",
                **_PROPOSAL_EXAMPLE,
                "official": False,
                "authors": [{"user_id": "7d3e...", "name": "Anne", "deleted": False}],
                "state": None,
                "answer": None,
                "supports_count": 12,
                "comments_count": 0,
                "my_support": "pending",
                "editable": False,
                "editable_until": None,
                "published_at": "2026-03-01T10:00:00Z",
                "withdrawn_at": None,
                "created_at": "2026-03-01T09:40:00Z",
                "updated_at": "2026-03-01T10:00:00Z",
            }
        }
    )

    id: uuid.UUID
    component_id: uuid.UUID
    reference: str | None = Field(description="Given at publication, e.g. `LGE-PROP-2026-0042`.")
    status: ProposalStatus
    title: dict[str, str]
    body: dict[str, str]
    address: str | None
    latitude: float | None
    longitude: float | None
    category: str | None
    district: str | None
    official: bool
    authors: list[AuthorRead] = Field(description="Empty for an official proposal.")
    state: StateRef | None = Field(description="The published answer's state; null until one is published.")
    answer: AnswerRead | None
    supports_count: int | None = Field(description="Null while the phase hides support counts.")
    comments_count: int
    my_support: SupportStatus | None = Field(description="The caller's support, if any.")
    editable: bool = Field(description="The caller may edit it now.")
    editable_until: datetime | None = Field(
        description="When the caller's edit window closes; null when there is no deadline or no right."
    )
    published_at: datetime | None
    withdrawn_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CoauthorCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"user_id": "7d3e2b1a-0c9f-4e8d-b7a6-5f4e3d2c1b0a"}}
    )

    user_id: uuid.UUID


# --- supports --------------------------------------------------------------------------------------------


class ParticipationRead(BaseModel):
    """Where the caller stands in a component."""

    model_config = ConfigDict(json_schema_extra={"example": _PARTICIPATION_EXAMPLE})

    supports_given: int
    support_limit: int | None = Field(description="Null: no limit.")
    supports_left: int | None = Field(description="Supports the person may still give; null: no limit.")
    minimum_supports: int = Field(description="Supports needed before any of them counts (0: none).")
    remaining: int = Field(description="How many more supports are needed before they count (0: they do).")
    proposals_created: int
    proposal_limit: int | None = Field(description="Null: no limit.")


class SupportRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "proposal_id": "0b7c9a52-6a0e-4a7e-9a55-1e9b0c2f4d11",
                "status": "pending",
                "created_at": "2026-04-02T18:30:00Z",
                "supports_count": 12,
                "participation": _PARTICIPATION_EXAMPLE,
            }
        }
    )

    proposal_id: uuid.UUID
    status: SupportStatus = Field(description="`pending` until the person reached the minimum.")
    created_at: datetime
    supports_count: int | None = Field(description="The proposal's count; null while counts are hidden.")
    participation: ParticipationRead


# --- states and answers ----------------------------------------------------------------------------------


class StateRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "token": "feasible",
                "name": {"fr": "Faisable", "nl": "Haalbaar"},
                "allows_supports": True,
                "accepted": False,
                "builtin": False,
                "position": 3,
            }
        }
    )

    token: str
    name: dict[str, str]
    allows_supports: bool = Field(description="Proposals in this state can still be supported.")
    accepted: bool = Field(description="Counts as accepted: costs apply, budgets may import it.")
    builtin: bool = Field(description="One of evaluating, accepted, rejected (cannot be changed).")
    position: int


class StateCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"token": "feasible", "name": {"fr": "Faisable", "nl": "Haalbaar"}, "accepted": False}
        },
    )

    token: StateToken = Field(description="Stable identifier, e.g. `feasible`; unique in the component.")
    name: MultilingualTitle
    allows_supports: bool = True
    accepted: bool = False
    position: int | None = Field(default=None, ge=0, le=10_000)


class StateUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"allows_supports": False}})

    name: MultilingualTitle = omittable()
    allows_supports: bool = omittable()
    accepted: bool = omittable()
    position: int = omittable(ge=0, le=10_000)


class AnswerCreate(RequestModel):
    """The answer given to a proposal (replaces the previous one)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "state": "accepted",
                "answer": {"fr": "Le collège retient la proposition."},
                "cost": 25000,
                "cost_explanation": {"fr": "Bacs, terre, outillage."},
                "execution_period": {"fr": "Printemps 2027"},
            }
        },
    )

    state: StateToken
    answer: MultilingualText | None = None
    cost: int | None = Field(default=None, ge=0, le=10**15, description="In the commune's currency unit.")
    cost_explanation: MultilingualText | None = None
    execution_period: MultilingualTitle | None = None


class AnswersPublish(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"proposal_ids": None}})

    proposal_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=1000, description="Only these proposals; null: every held answer."
    )


class AnswersPublishRead(BaseModel):
    published: list[uuid.UUID]


class ImportRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {"created": 2, "references": ["LGE-PROP-2026-0043", "LGE-PROP-2026-0044"]}
        }
    )

    created: int
    proposal_ids: list[uuid.UUID]
    references: list[str]


class ProposalExport(BaseModel):
    """One proposal as open data: no personal data beyond the authors' public names."""

    id: uuid.UUID
    reference: str | None
    status: ProposalStatus
    title: dict[str, str]
    body: dict[str, str]
    category: str | None
    district: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    official: bool
    authors: list[str]
    state: str | None
    state_name: dict[str, str] | None
    answer: dict[str, str] | None
    cost: int | None
    cost_explanation: dict[str, str] | None
    execution_period: dict[str, str] | None
    supports_count: int | None
    comments_count: int
    published_at: datetime | None
    withdrawn_at: datetime | None
    answer_published_at: datetime | None


class DiscussionRead(BaseModel):
    """A meeting where the proposal was discussed, as the agenda module's closing said (``url``: the
    meeting in the agenda's API)."""

    meeting_id: uuid.UUID
    component_id: uuid.UUID = Field(description="The agenda component of the meeting.")
    title: dict[str, str]
    start_at: datetime
    end_at: datetime
    closed_at: datetime
    url: str
