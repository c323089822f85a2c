from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civicapi.communes.schemas import SLUG_PATTERN
from civicapi.core.i18n import MultilingualText, MultilingualTitle
from civicapi.core.schemas import RequestModel, omittable

if TYPE_CHECKING:
    from civicapi.spaces.models import Component, ParticipatoryProcess, Phase

MODULE_KEY_PATTERN = r"^[a-z][a-z0-9_]{1,29}$"

_PROCESS_EXAMPLE: dict[str, Any] = {
    "slug": "budget-participatif-2026",
    "title": {"fr": "Budget participatif 2026", "nl": "Burgerbegroting 2026"},
    "description": {"fr": "Proposez et votez des projets pour votre quartier."},
    "start_date": "2026-01-15",
    "end_date": "2026-11-30",
}
_PHASE_EXAMPLE: dict[str, Any] = {
    "title": {"fr": "Vote", "nl": "Stemming"},
    "description": {"fr": "Chaque habitant·e vote pour ses projets préférés."},
    "start_date": "2026-09-01",
    "end_date": "2026-09-30",
    "position": 3,
}
_COMPONENT_EXAMPLE: dict[str, Any] = {
    "module_key": "budgets",
    "name": {"fr": "Projets du budget participatif", "nl": "Projecten van de burgerbegroting"},
    "settings": {},
    "step_settings": {"3f1c2a4e-8d0b-4c55-9a61-2f7e1b0c9d21": {}},
}


def _check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError("end_date must not be before start_date")


# --- processes -------------------------------------------------------------------------------------------


class ProcessCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _PROCESS_EXAMPLE})

    slug: str = Field(pattern=SLUG_PATTERN, max_length=63, description="Unique within the commune.")
    title: MultilingualTitle
    description: MultilingualText | None = None
    start_date: date | None = None
    end_date: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> ProcessCreate:
        _check_dates(self.start_date, self.end_date)
        return self


class ProcessUpdate(RequestModel):
    """Applies only the fields sent."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"end_date": "2026-12-15"}})

    slug: str = omittable(pattern=SLUG_PATTERN, max_length=63)
    title: MultilingualTitle = omittable()
    description: MultilingualText | None = None
    start_date: date | None = None
    end_date: date | None = None


class ActivePhaseUpdate(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"phase_id": "3f1c2a4e-8d0b-4c55-9a61-2f7e1b0c9d21"}}
    )

    phase_id: uuid.UUID | None = Field(
        description="Phase to pin as active; null lets the phases' dates decide (in the commune's time zone)."
    )


class PhaseRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"example": {"id": "3f1c2a4e-...", **_PHASE_EXAMPLE}}
    )

    id: uuid.UUID
    process_id: uuid.UUID
    position: int
    title: dict[str, str]
    description: dict[str, str]
    start_date: date
    end_date: date
    created_at: datetime
    updated_at: datetime


class ProcessRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "5f0c...",
                **_PROCESS_EXAMPLE,
                "published_at": "2026-01-10T09:00:00Z",
                "active_phase_id": "3f1c2a4e-...",
                "active_phase_pinned": False,
                "phases": [],
            }
        }
    )

    id: uuid.UUID
    slug: str
    title: dict[str, str]
    description: dict[str, str]
    start_date: date | None
    end_date: date | None
    published_at: datetime | None = Field(description="Null while the process is a draft.")
    active_phase_id: uuid.UUID | None = Field(
        description="The phase active now: the pinned one, else the one whose dates contain today."
    )
    active_phase_pinned: bool = Field(description="True when an administrator pinned the active phase.")
    phases: list[PhaseRead] = Field(description="Ordered by position.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def build(cls, process: ParticipatoryProcess, *, active: Phase | None) -> ProcessRead:
        """From a process (``phases`` loaded) and its phase active now."""
        return cls(
            id=process.id,
            slug=process.slug,
            title=process.title,
            description=process.description,
            start_date=process.start_date,
            end_date=process.end_date,
            published_at=process.published_at,
            active_phase_id=active.id if active is not None else None,
            active_phase_pinned=active is not None and active.id == process.active_phase_id,
            phases=[PhaseRead.model_validate(p) for p in process.phases],
            created_at=process.created_at,
            updated_at=process.updated_at,
        )


# --- phases ----------------------------------------------------------------------------------------------


class PhaseCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _PHASE_EXAMPLE})

    title: MultilingualTitle
    description: MultilingualText | None = None
    start_date: date = Field(description="First day of the phase, in the commune's time zone.")
    end_date: date = Field(description="Last day of the phase (inclusive), in the commune's time zone.")
    position: int | None = Field(
        default=None, ge=0, le=10_000, description="Defaults to after the last phase."
    )

    @model_validator(mode="after")
    def _dates(self) -> PhaseCreate:
        _check_dates(self.start_date, self.end_date)
        return self


class PhaseUpdate(RequestModel):
    """Applies only the fields sent."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"end_date": "2026-10-05"}})

    title: MultilingualTitle = omittable()
    description: MultilingualText | None = None
    start_date: date = omittable()
    end_date: date = omittable()
    position: int = omittable(ge=0, le=10_000)


# --- components ------------------------------------------------------------------------------------------


class ComponentCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _COMPONENT_EXAMPLE})

    module_key: str = Field(
        pattern=MODULE_KEY_PATTERN, description="An installed module enabled by the commune."
    )
    name: MultilingualTitle
    position: int | None = Field(default=None, ge=0, le=10_000, description="Defaults to after the last one.")
    settings: dict[str, Any] = Field(
        default_factory=dict, description="Validated by the module's component settings schema."
    )
    step_settings: dict[uuid.UUID, dict[str, Any]] = Field(
        default_factory=dict,
        description="Phase id (of this process) -> settings validated by the module's step settings schema.",
    )


class ComponentUpdate(RequestModel):
    """Applies only the fields sent. ``settings`` and ``step_settings`` are replaced whole."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"name": {"fr": "Projets 2026"}, "position": 1}}
    )

    name: MultilingualTitle = omittable()
    position: int = omittable(ge=0, le=10_000)
    settings: dict[str, Any] = omittable()
    step_settings: dict[uuid.UUID, dict[str, Any]] = omittable()


class ComponentRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "9b1d...",
                "process_id": "5f0c...",
                "position": 0,
                **_COMPONENT_EXAMPLE,
                "published_at": None,
                "active_phase_id": "3f1c2a4e-8d0b-4c55-9a61-2f7e1b0c9d21",
                "effective_settings": {},
            }
        }
    )

    id: uuid.UUID
    process_id: uuid.UUID
    module_key: str
    name: dict[str, str]
    position: int
    settings: dict[str, Any]
    step_settings: dict[str, dict[str, Any]]
    published_at: datetime | None = Field(description="Null while the component is a draft.")
    active_phase_id: uuid.UUID | None = Field(description="The process's phase active now.")
    effective_settings: dict[str, Any] = Field(
        description="Component settings overlaid with the step settings of the active phase (their "
        "defaults when that phase has none; a null step value inherits the setting): what the module "
        "applies now."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def build(
        cls, component: Component, *, active_phase: Phase | None, effective_settings: dict[str, Any]
    ) -> ComponentRead:
        return cls(
            id=component.id,
            process_id=component.process_id,
            module_key=component.module_key,
            name=component.name,
            position=component.position,
            settings=component.settings,
            step_settings=component.step_settings,
            published_at=component.published_at,
            active_phase_id=active_phase.id if active_phase is not None else None,
            effective_settings=effective_settings,
            created_at=component.created_at,
            updated_at=component.updated_at,
        )
