"""Settings of a proposals component (per process) and of its steps (per phase), and the resolved
:class:`ComponentContext` that services receive."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from civicapi.identity.verification.requirements import ActionRequirement
from civicapi.spaces import kit

TAG_MAX_LENGTH = 60


class ProposalsComponentSettings(BaseModel):
    """Settings of one proposals component. ``0`` means "no limit" for every limit."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "title_max_length": 150,
                "body_max_length": 5000,
                "proposal_limit": 3,
                "edit_window_minutes": 15,
                "geolocation_enabled": True,
                "districts": ["Centre", "Outremeuse"],
                "support_limit": 10,
                "minimum_supports_per_person": 3,
                "threshold_per_proposal": 0,
                "support_requirements": [{"handler": "census", "conditions": {"min_age": 16}}],
            }
        },
    )

    title_max_length: int = Field(default=150, ge=10, le=200, description="Characters per locale.")
    body_min_length: int = Field(default=15, ge=0, le=1000, description="Characters per locale.")
    body_max_length: int = Field(default=5000, ge=100, le=20_000, description="Characters per locale.")
    proposal_limit: int = Field(
        default=0, ge=0, le=1000, description="Proposals one person may create (withdrawn ones excluded)."
    )
    max_authors: int = Field(
        default=5, ge=1, le=20, description="Authors of one proposal, co-authors included."
    )
    edit_window_minutes: int = Field(
        default=15, ge=0, le=43_200, description="How long authors may still edit after publishing."
    )
    official_proposals_enabled: bool = True
    geolocation_enabled: bool = False
    categories: list[str] = Field(
        default_factory=list, max_length=200, description="Allowed categories; empty: any (free text)."
    )
    districts: list[str] = Field(
        default_factory=list, max_length=200, description="Allowed districts; empty: any (free text)."
    )
    support_limit: int = Field(
        default=0, ge=0, le=10_000, description="Supports per person in the component."
    )
    minimum_supports_per_person: int = Field(
        default=0,
        ge=0,
        le=10_000,
        description="A person's supports stay pending (not counted) until they gave this many.",
    )
    threshold_per_proposal: int = Field(
        default=0, ge=0, le=10_000_000, description="Supports a proposal needs."
    )
    can_accumulate_supports_beyond_threshold: bool = Field(
        default=False, description="When false, a proposal that reached its threshold takes no more supports."
    )
    create_requirements: list[ActionRequirement] = Field(
        default_factory=list, max_length=10, description="Verifications needed to create proposals."
    )
    support_requirements: list[ActionRequirement] = Field(
        default_factory=list, max_length=10, description="Verifications needed to support proposals."
    )

    @model_validator(mode="after")
    def _coherent(self) -> ProposalsComponentSettings:
        if self.support_limit and self.minimum_supports_per_person > self.support_limit:
            raise ValueError("minimum_supports_per_person cannot exceed support_limit")
        if self.body_min_length > self.body_max_length:
            raise ValueError("body_min_length cannot exceed body_max_length")
        for name in ("categories", "districts"):
            values = getattr(self, name)
            if any(not v.strip() or len(v) > TAG_MAX_LENGTH for v in values):
                raise ValueError(f"{name}: values must be 1-{TAG_MAX_LENGTH} characters")
        return self


class ProposalsStepSettings(BaseModel):
    """What the active phase allows. Without an active phase the defaults apply: nothing is open."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"creation_enabled": True, "supports_enabled": False}},
    )

    creation_enabled: bool = Field(default=False, description="Proposals may be created and published.")
    supports_enabled: bool = Field(default=False, description="Proposals may be supported.")
    supports_blocked: bool = Field(
        default=False, description="Counts stay visible, but supports can be neither given nor withdrawn."
    )
    supports_hidden: bool = Field(
        default=False, description="Support counts are null in the API and sorting by supports is refused."
    )
    answering_enabled: bool = Field(default=True, description="Administrators may answer proposals.")
    publish_answers_immediately: bool = Field(
        default=True, description="When false, answers wait until an administrator publishes them in bulk."
    )
    answers_with_costs: bool = Field(
        default=False, description="Accepting a proposal requires its cost and a cost explanation."
    )


ComponentContext = kit.ComponentContext[ProposalsComponentSettings, ProposalsStepSettings]
"""A proposals component as the services see it (``civicapi.spaces.kit``)."""
