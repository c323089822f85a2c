"""Settings of a surveys component (per process) and of its steps (per phase), and the resolved
:class:`ComponentContext` services receive."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from civicapi.identity.verification.requirements import ActionRequirement
from civicapi.spaces import kit


class SurveysComponentSettings(BaseModel):
    """Who may answer the component's surveys, and how hard an address may ask for answer tokens."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "answer_requirements": [{"handler": "census", "conditions": {"min_age": 16}}],
                "answer_tokens_per_hour": 20,
            }
        },
    )

    answer_requirements: list[ActionRequirement] = Field(
        default_factory=list,
        max_length=10,
        description="Verifications a person needs to answer (e.g. residents only). A survey that takes "
        "answers without an account cannot ask for verifications: such answers are refused while any is set.",
    )
    answer_tokens_per_hour: int = Field(
        default=20,
        ge=1,
        le=10_000,
        description="Answer tokens (answers without an account) one client address may obtain per hour.",
    )


class SurveysStepSettings(BaseModel):
    """What may happen in the component during a phase."""

    model_config = ConfigDict(extra="forbid")

    answers_enabled: bool = Field(default=True, description="The component's published surveys take answers.")


ComponentContext = kit.ComponentContext[SurveysComponentSettings, SurveysStepSettings]
"""A surveys component as the services see it (``civicapi.spaces.kit``)."""
