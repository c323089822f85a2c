"""Bodies of the component summary, the public history, imports (CSV, budget projects) and exports."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from civicapi.core.schemas import RequestModel
from civicapi.modules.accountability.schemas import ResultRead, StatusKey


class StatusCount(BaseModel):
    key: str | None = Field(description="Null for results without a status.")
    name: dict[str, str] | None
    count: int = Field(description="Results of any level with this status.")
    top_level_count: int = Field(description="Top-level results with this status.")


class DistrictSummary(BaseModel):
    district: str | None = Field(description="Null for top-level results without a district.")
    count: int
    progress: float = Field(description="Weighted mean progress of these top-level results.")
    planned_amount: int
    spent_amount: int


class SummaryRead(BaseModel):
    """The component at a glance. Progress and amounts are those of the top-level results (the voted
    projects), so that a sub-work's amounts are never counted twice."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "results_count": 42,
                "top_level_count": 12,
                "progress": 37.5,
                "planned_amount": 480000,
                "spent_amount": 151000,
                "by_status": [{"key": "works", "name": {"fr": "Travaux"}, "count": 9, "top_level_count": 4}],
                "by_district": [
                    {
                        "district": "Outremeuse",
                        "count": 3,
                        "progress": 60.0,
                        "planned_amount": 90000,
                        "spent_amount": 50000,
                    }
                ],
            }
        }
    )

    results_count: int
    top_level_count: int
    progress: float | None = Field(description="Weighted mean of the top-level results; null without any.")
    planned_amount: int
    spent_amount: int
    by_status: list[StatusCount]
    by_district: list[DistrictSummary]


class BudgetImport(RequestModel):
    model_config = ConfigDict(extra="forbid")

    source_component_id: uuid.UUID | None = Field(
        default=None, description="Only the projects of this budgets component (of the same process)."
    )
    status: StatusKey | None = Field(default=None, description="Status given to the new results.")


class SkippedProject(BaseModel):
    project_id: uuid.UUID
    reason: str = Field(description="`already_imported`.")


class BudgetImportRead(BaseModel):
    imported: list[ResultRead]
    skipped: list[SkippedProject]


class ImportRead(BaseModel):
    created: int
    updated: int
    result_ids: list[uuid.UUID] = Field(description="The results of the file's rows, in order.")


class ResultExport(BaseModel):
    """A result as open data (one flat record)."""

    id: uuid.UUID
    parent_id: uuid.UUID | None
    parent_external_id: str | None
    reference: str | None
    external_id: str | None
    title: dict[str, str]
    description: dict[str, str]
    start_date: date | None
    end_date: date | None
    status: str | None
    status_name: dict[str, str] | None
    progress: float
    progress_rolled_up: bool
    weight: float | None
    planned_amount: int | None
    spent_amount: int | None
    address: str | None
    latitude: float | None
    longitude: float | None
    category: str | None
    district: str | None
    position: int
    project_ids: list[uuid.UUID]
    proposal_ids: list[uuid.UUID]
    updated_at: datetime
