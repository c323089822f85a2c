"""Request and response bodies of budgets and projects (``XCreate`` / ``XUpdate`` / ``XRead``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from civicapi.core.i18n import MultilingualText, MultilingualTitle
from civicapi.core.schemas import RequestModel, trimmed

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(examples=["EUR", "PLN"])]
Tag = Annotated[str, trimmed(60)]
Amount = Annotated[int, Field(ge=0, le=10**15, description="In the commune's currency unit.")]


class BudgetCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "title": {"fr": "Budget du quartier Outremeuse"},
                "total_amount": 250000,
                "currency": "EUR",
                "district": "Outremeuse",
            }
        },
    )

    title: MultilingualTitle
    description: MultilingualText | None = None
    total_amount: Amount
    currency: Currency = "EUR"
    district: Tag | None = Field(default=None, description="Only residents of this district vote in it.")
    position: int = Field(default=0, ge=0, le=10_000)


class BudgetUpdate(RequestModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    title: MultilingualTitle | None = None
    description: MultilingualText | None = None
    total_amount: Amount | None = None
    currency: Currency | None = None
    district: Tag | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class BudgetRead(BaseModel):
    id: uuid.UUID
    component_id: uuid.UUID
    title: dict[str, str]
    description: dict[str, str]
    total_amount: int
    currency: str
    district: str | None
    position: int
    origin: str
    projects_count: int
    voting_open: bool = Field(description="Ballots may be cast now (phase open and vote not closed).")
    closed_at: datetime | None
    ballots_sha256: str | None = Field(description="SHA-256 of the anonymised ballots export, once closed.")
    sealing: bool = Field(
        description="The vote is closed and its urn is being sealed (after the response of a large vote's "
        "close): `ballots_sha256` is null until it is done.",
    )
    results_published_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ProjectCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "title": {"fr": "Un potager collectif"},
                "cost": 12000,
                "category": "environment",
                "address": "Place du Marché 1, Liège",
                "latitude": 50.645,
                "longitude": 5.573,
            }
        },
    )

    title: MultilingualTitle
    description: MultilingualText | None = None
    cost: Amount
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    category: Tag | None = None
    position: int = Field(default=0, ge=0, le=100_000)


class ProjectUpdate(RequestModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    title: MultilingualTitle | None = None
    description: MultilingualText | None = None
    cost: Amount | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    category: Tag | None = None
    position: int | None = Field(default=None, ge=0, le=100_000)


class ProjectRead(BaseModel):
    id: uuid.UUID
    budget_id: uuid.UUID
    number: int
    code: str = Field(description="Its id in the Pabulib export.")
    title: dict[str, str]
    description: dict[str, str]
    cost: int
    address: str | None
    latitude: float | None
    longitude: float | None
    category: str | None
    position: int
    selected: bool | None = Field(description="Funded or not, once results are published; null before.")
    votes: int | None = Field(
        description="Approvals (points for cumulative ballots); null while the step hides vote counts."
    )
    proposal_ids: list[uuid.UUID] = Field(description="The proposals it was imported from.")
    created_at: datetime
    updated_at: datetime


class ProposalsImport(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"source_component_id": None, "default_cost": 10000}},
    )

    source_component_id: uuid.UUID | None = Field(
        default=None, description="A proposals component of the same process; default: all of them."
    )
    default_cost: Amount | None = Field(
        default=None, description="Cost of accepted proposals answered without one (else they are skipped)."
    )
    match_district: bool = Field(
        default=True, description="For a district budget, import only the proposals of its district."
    )


class SkippedProposal(BaseModel):
    proposal_id: uuid.UUID
    reason: str = Field(description="`already_imported`, `no_cost` or `other_district`.")


class ProposalsImportRead(BaseModel):
    imported: list[ProjectRead]
    skipped: list[SkippedProposal]


class ExportRow(BaseModel):
    """One project of the open-data export."""

    model_config = ConfigDict(extra="allow")

    id: uuid.UUID
    budget_id: uuid.UUID
    code: str
    title: str
    cost: int
    category: str | None
    district: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    votes: int | None
    selected: bool | None
    rank: int | None
    reason: str | None


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(exclude_unset=True)
