"""Settings of an accountability component, and the resolved :class:`ComponentContext` services receive."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from civicapi.communes.models import Commune
from civicapi.spaces.models import Component, ParticipatoryProcess


class AccountabilityComponentSettings(BaseModel):
    """How a component presents its results."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"display_progress": True, "display_amounts": True}}
    )

    display_progress: bool = Field(
        default=True, description="Front-ends show progress bars (the API always returns the figures)."
    )
    display_amounts: bool = Field(
        default=True, description="Front-ends show planned and spent amounts (the API always returns them)."
    )


class AccountabilityStepSettings(BaseModel):
    """No phase-dependent setting: results are tracked whatever the phase."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True, slots=True)
class ComponentContext:
    """An accountability component as the services see it."""

    commune: Commune
    component: Component
    process: ParticipatoryProcess
    settings: AccountabilityComponentSettings

    @property
    def commune_id(self) -> uuid.UUID:
        return self.commune.id

    @property
    def component_id(self) -> uuid.UUID:
        return self.component.id

    @property
    def public(self) -> bool:
        """Whether changes are part of the public history: the component and its process are published."""
        return self.component.published_at is not None and self.process.published_at is not None
