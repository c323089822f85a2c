"""Settings of an accountability component, and the resolved :class:`ComponentContext` services receive."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from civicapi.spaces import kit


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


ComponentContext = kit.ComponentContext[AccountabilityComponentSettings, AccountabilityStepSettings]
"""An accountability component as the services see it (``civicapi.spaces.kit``)."""
