"""Request and response bodies of statuses, results and milestones (``XCreate`` / ``XUpdate`` / ``XRead``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from civicapi.core.i18n import MultilingualText, MultilingualTitle
from civicapi.core.schemas import RequestModel, omittable, trimmed

Tag = Annotated[str, trimmed(60)]
Amount = Annotated[int, Field(ge=0, le=10**15, description="In the commune's currency unit.")]
PRECISION = 6
"""Decimal places kept of progress and weights: enough for any plan, and it keeps products of tiny values
(1e-300 * 1e-20) from underflowing PostgreSQL's double precision in the roll-up (an error, not a zero)."""
Progress = Annotated[
    float,
    Field(ge=0, le=100, allow_inf_nan=False, description="Percent, 0-100 (six decimals kept)."),
    AfterValidator(lambda v: round(v, PRECISION)),
]
Weight = Annotated[
    float,
    Field(
        ge=0,
        le=1_000_000,
        allow_inf_nan=False,
        description="Weight in the parent's progress (null: 1; six decimals kept).",
    ),
    AfterValidator(lambda v: round(v, PRECISION)),
]
StatusKey = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$"),
    Field(examples=["in_progress"], description="A status key of the component."),
]
ExternalId = Annotated[str, trimmed(100)]
Reference = Annotated[str, trimmed(40)]
Address = Annotated[str, trimmed(300)]
Position = Annotated[int, Field(ge=0, le=1_000_000)]


# --- statuses --------------------------------------------------------------------------------------------


class StatusCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "key": "works",
                "name": {"fr": "Travaux en cours", "nl": "Werken bezig"},
                "progress": 50,
            }
        },
    )

    key: StatusKey
    name: MultilingualTitle
    description: MultilingualText | None = None
    progress: Progress | None = Field(
        default=None, description="Choosing this status sets a result's progress to this (when it has none)."
    )
    position: Position = 0


class StatusUpdate(RequestModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    key: StatusKey = omittable()
    name: MultilingualTitle = omittable()
    description: MultilingualText | None = None
    progress: Progress | None = None
    position: Position = omittable()


class StatusRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    component_id: uuid.UUID
    key: str
    name: dict[str, str]
    description: dict[str, str]
    progress: float | None
    position: int
    created_at: datetime
    updated_at: datetime


class StatusBrief(BaseModel):
    key: str
    name: dict[str, str]
    progress: float | None


# --- results ---------------------------------------------------------------------------------------------


def _check_place_and_dates(data: Any) -> None:
    start, end = getattr(data, "start_date", None), getattr(data, "end_date", None)
    if start is not None and end is not None and end < start:
        raise ValueError("end_date must not be before start_date")
    lat, lon = getattr(data, "latitude", None), getattr(data, "longitude", None)
    if (lat is None) != (lon is None):
        raise ValueError("give both latitude and longitude, or neither")


class _ResultFields(RequestModel):
    reference: Reference | None = None
    description: MultilingualText | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: StatusKey | None = None
    progress: Progress | None = Field(
        default=None,
        description="Of a result without children (a parent's is the weighted mean of its children's). "
        "When omitted, the chosen status's progress applies.",
    )
    weight: Weight | None = None
    external_id: ExternalId | None = Field(
        default=None, description="Its id in the commune's own system (unique in the component)."
    )
    planned_amount: Amount | None = None
    spent_amount: Amount | None = None
    address: Address | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90, allow_inf_nan=False)
    longitude: float | None = Field(default=None, ge=-180, le=180, allow_inf_nan=False)
    category: Tag | None = None
    district: Tag | None = None


class ResultCreate(_ResultFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "title": {"fr": "Un potager collectif", "nl": "Een gemeenschappelijke moestuin"},
                "status": "works",
                "start_date": "2026-03-01",
                "end_date": "2026-09-30",
                "planned_amount": 12000,
                "district": "Outremeuse",
                "latitude": 50.641,
                "longitude": 5.581,
            }
        },
    )

    parent_id: uuid.UUID | None = Field(default=None, description="A result of the same component.")
    title: MultilingualTitle
    position: Position = 0

    @model_validator(mode="after")
    def _coherent(self) -> ResultCreate:
        _check_place_and_dates(self)
        return self


class ResultUpdate(_ResultFields):
    """Only the fields sent are changed; `null` clears an optional field (`parent_id: null` makes the result
    a top-level one)."""

    model_config = ConfigDict(extra="forbid")

    parent_id: uuid.UUID | None = None
    title: MultilingualTitle = omittable()
    position: Position = omittable()
    progress: Progress = omittable(
        description="Of a result without children (a parent's is the weighted mean of its children's)."
    )


class ProgressUpdate(RequestModel):
    """What an integrator or a staff member reports: only the fields sent are changed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"progress": 65, "status": "works"}}
    )

    progress: Progress = omittable()
    status: StatusKey | None = None


class LinkRead(BaseModel):
    """A core resource link from the result: ``name`` is ``included_projects`` (a budgets project) or
    ``included_proposals`` (a proposal)."""

    module: str
    type: str
    id: uuid.UUID
    name: str


class ResultRead(BaseModel):
    id: uuid.UUID
    component_id: uuid.UUID
    parent_id: uuid.UUID | None
    reference: str | None
    title: dict[str, str]
    description: dict[str, str]
    start_date: date | None
    end_date: date | None
    status: StatusBrief | None
    progress: float
    progress_rolled_up: bool = Field(description="True when the progress is the mean of the children's.")
    weight: float | None
    external_id: str | None
    planned_amount: int | None
    spent_amount: int | None
    address: str | None
    latitude: float | None
    longitude: float | None
    category: str | None
    district: str | None
    position: int
    children_count: int
    links: list[LinkRead]
    created_at: datetime
    updated_at: datetime


class ProposalResultRead(ResultRead):
    """A result linked to a proposal, with where it lives."""

    process_id: uuid.UUID


# --- milestones ------------------------------------------------------------------------------------------


class MilestoneCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "entry_date": "2026-04-15",
                "title": {"fr": "Début des travaux"},
                "description": {"fr": "Les bacs sont livrés."},
            }
        },
    )

    entry_date: date
    title: MultilingualTitle
    description: MultilingualText | None = None


class MilestoneUpdate(RequestModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    entry_date: date = omittable()
    title: MultilingualTitle = omittable()
    description: MultilingualText | None = None


class MilestoneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    result_id: uuid.UUID
    entry_date: date
    title: dict[str, str]
    description: dict[str, str]
    created_at: datetime
    updated_at: datetime
