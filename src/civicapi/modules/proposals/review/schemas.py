"""Bodies of the eligibility review: criteria, valuator assignments, reviews and their aggregate."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from civicapi.core.i18n import MultilingualText, MultilingualTitle
from civicapi.core.schemas import RequestModel, omittable

Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]


class ReviewStatus(StrEnum):
    """The proposal's eligibility as the commission's reviews stand."""

    unassigned = "unassigned"
    """No valuator assigned yet."""
    in_review = "in_review"
    """Some assigned valuator has not judged every criterion yet."""
    eligible = "eligible"
    """Every review is complete and every criterion is met in every review."""
    ineligible = "ineligible"
    """Every review is complete and some criterion is not met in any review."""
    disputed = "disputed"
    """Every review is complete, and valuators disagree on some criterion (none is unanimously not met)."""


class Verdict(StrEnum):
    met = "met"
    not_met = "not_met"
    mixed = "mixed"
    pending = "pending"


class CriterionCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "label": {"fr": "Relève de l'intérêt général", "nl": "Dient het algemeen belang"},
                "description": {"fr": "Le projet profite à d'autres que son porteur."},
            }
        },
    )

    label: MultilingualTitle
    description: MultilingualText | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class CriterionUpdate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"position": 0}})

    label: MultilingualTitle = omittable()
    description: MultilingualText | None = None
    position: int = omittable(ge=0, le=10_000)


class CriterionRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                "id": "2a1b0c9d-8e7f-4a6b-9c5d-4e3f2a1b0c9d",
                "label": {"fr": "Relève de la compétence communale"},
                "description": {},
                "position": 0,
            }
        },
    )

    id: uuid.UUID
    label: dict[str, str]
    description: dict[str, str]
    position: int


class AssignmentCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"user_id": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"}}
    )

    user_id: uuid.UUID = Field(description="A person holding the valuator role in the commune.")


class AssignmentRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "user_id": "9e8d7c6b-...",
                "name": "Val Valuator",
                "assigned_at": "2026-05-01T08:00:00Z",
            }
        }
    )

    user_id: uuid.UUID
    name: str
    assigned_at: datetime


class CriterionResult(RequestModel):
    model_config = ConfigDict(extra="forbid")

    criterion_id: uuid.UUID
    met: bool
    comment: Comment = ""


class ReviewUpdate(RequestModel):
    """The caller's own review: the criteria sent replace their previous judgement; the others stay."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "criteria": [
                    {"criterion_id": "2a1b0c9d-...", "met": True, "comment": ""},
                    {"criterion_id": "3b2c1d0e-...", "met": False, "comment": "Terrain régional."},
                ],
                "notes": "Voir avec le service des travaux.",
            }
        },
    )

    criteria: list[CriterionResult] = Field(default_factory=list, max_length=200)
    notes: Notes | None = Field(default=None, description="Private: the valuator and administrators only.")


class ReviewRead(BaseModel):
    valuator_id: uuid.UUID | None = Field(description="Null once the valuator's account is gone.")
    valuator_name: str
    criteria: list[CriterionResult]
    notes: str
    complete: bool = Field(description="Every criterion of the grid is judged.")
    updated_at: datetime


class CriterionTally(BaseModel):
    criterion_id: uuid.UUID
    met: int
    not_met: int
    verdict: Verdict


class ProposalReviewRead(BaseModel):
    """A proposal's review as the caller may see it: a valuator sees their own review only; an
    administrator sees every review, the assignments and the aggregate."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "proposal_id": "0b7c9a52-...",
                "reference": "LGE-PROP-2026-0042",
                "title": {"fr": "Un potager collectif"},
                "status": "disputed",
                "valuators": [],
                "criteria": [{"criterion_id": "2a1b...", "met": 1, "not_met": 1, "verdict": "split"}],
                "reviews": [],
            }
        }
    )

    proposal_id: uuid.UUID
    reference: str | None
    title: dict[str, str]
    status: ReviewStatus | None = Field(description="Aggregated status; administrators only.")
    valuators: list[AssignmentRead]
    criteria: list[CriterionTally] = Field(description="Per-criterion tally; administrators only.")
    reviews: list[ReviewRead]
