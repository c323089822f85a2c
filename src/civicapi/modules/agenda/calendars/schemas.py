"""Answers of the calendars and exports (request bodies: none; filters are query parameters)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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
