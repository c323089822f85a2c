"""Settings of an agenda component (per process) and of its steps (per phase), and the resolved
:class:`ComponentContext` services receive."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from civicapi.identity.verification.requirements import ActionRequirement
from civicapi.spaces import kit

DEFAULT_EMBED_HOSTS = ["www.youtube.com", "www.youtube-nocookie.com", "player.vimeo.com", "meet.jit.si"]


class AgendaComponentSettings(BaseModel):
    """How a component's meetings are organised and registered for."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "participant_meetings_enabled": False,
                "registration_requirements": [{"handler": "census", "conditions": {"min_age": 16}}],
                "reminder_hours_before": 24,
                "fill_alert_percent": 90,
            }
        },
    )

    participant_meetings_enabled: bool = Field(
        default=False, description="Participants may organise meetings of their own in this component."
    )
    create_requirements: list[ActionRequirement] = Field(
        default_factory=list,
        max_length=10,
        description="Verifications a participant needs to organise a meeting (e.g. residents only).",
    )
    registration_requirements: list[ActionRequirement] = Field(
        default_factory=list,
        max_length=10,
        description="Verifications a person needs to register (e.g. residents of the district only).",
    )
    categories: list[str] = Field(
        default_factory=list, max_length=200, description="Allowed categories; empty: any (free text)."
    )
    districts: list[str] = Field(
        default_factory=list, max_length=200, description="Allowed districts; empty: any (free text)."
    )
    embed_hosts: list[str] = Field(
        default_factory=lambda: list(DEFAULT_EMBED_HOSTS),
        max_length=50,
        description="Hosts whose pages a meeting may embed as its live stream (`https` only).",
    )
    reminder_hours_before: int = Field(
        default=24, ge=0, le=24 * 14, description="Registrants are reminded this long before; 0: never."
    )
    fill_alert_percent: int = Field(
        default=90,
        ge=0,
        le=100,
        description="Organisers are told when registrations pass this share of the places; 0: never.",
    )
    close_reminder_days: int = Field(
        default=3,
        ge=0,
        le=90,
        description="Authors of a past meeting not yet closed are reminded after this many days; 0: never.",
    )


class AgendaStepSettings(BaseModel):
    """What may happen in the component during a phase."""

    model_config = ConfigDict(extra="forbid")

    registrations_enabled: bool = Field(default=True, description="People may register for meetings.")
    creation_enabled: bool = Field(
        default=True, description="Participants may organise meetings (where the component allows it)."
    )


ComponentContext = kit.ComponentContext[AgendaComponentSettings, AgendaStepSettings]
"""An agenda component as the services see it (``civicapi.spaces.kit``)."""
