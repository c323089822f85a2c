"""Answers of the calendars and exports (request bodies: none; filters are query parameters)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from civicapi.modules.agenda.schemas import MeetingStatus, MeetingType, RegistrationMode


class CalendarTokenRead(BaseModel):
    """The secret address of a person's calendar feed, shown once."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "token": "p3VJ0p2m1yQhX5h8bKc4dE7fG9hJ2kL4mN6pQ8rS0tU",
                "feed_url": "https://api.example.org/v1/communes/liege/agenda/calendar-feeds/"
                "p3VJ0p2m1yQhX5h8bKc4dE7fG9hJ2kL4mN6pQ8rS0tU.ics",
            }
        }
    )

    token: str = Field(description="The secret (only its hash is kept: it cannot be shown again).")
    feed_url: str = Field(description="The address to subscribe to in a calendar app (no credentials).")


class MeetingExport(BaseModel):
    """A meeting as open data: what everyone may see of a public meeting, and no personal data (no
    author, no registrant: only counts). The online link only where the meeting shows it to everyone;
    the closing's figures only when the closing is visible."""

    id: uuid.UUID
    component_id: uuid.UUID
    status: MeetingStatus
    official: bool = Field(description="Organised by the commune (else by a participant, not named here).")
    title: dict[str, str]
    description: dict[str, str]
    start_at: datetime
    end_at: datetime
    meeting_type: MeetingType
    location: dict[str, str]
    address: str | None
    latitude: float | None
    longitude: float | None
    online_url: str | None
    category: str | None
    district: str | None
    registration_mode: RegistrationMode
    available_slots: int
    registrations_count: int
    waiting_count: int
    attendance_count: int
    published_at: datetime | None
    cancelled_at: datetime | None
    closed_at: datetime | None
    attendees_count: int | None
    contributions_count: int | None
