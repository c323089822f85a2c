"""The meeting as every use case answers it (:class:`MeetingRead`). Request bodies live with their use
case (``meetings/schemas.py``, ``registrations/schemas.py`` ...)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MeetingType = Literal["in_person", "online", "hybrid"]
MeetingStatus = Literal["draft", "published", "withdrawn", "cancelled"]
UrlVisibility = Literal["everyone", "signed_in", "registered"]
RegistrationMode = Literal["disabled", "on_platform", "external"]


class RegistrationInfo(BaseModel):
    """How people register for the meeting, and how full it is."""

    mode: RegistrationMode
    url: str | None = Field(description="Where to register when `mode` is `external`.")
    available_slots: int = Field(description="Places in the room; 0: no limit.")
    reserved_slots: int = Field(description="Places kept aside, not offered to registrants.")
    places_left: int | None = Field(description="Places still free for registrants; null: no limit.")
    registrations_count: int = Field(description="Places taken.")
    waiting_count: int = Field(description="People in the waiting list.")
    open_at: datetime | None
    close_at: datetime | None
    terms: dict[str, str] = Field(description="Terms a registrant accepts; empty: none.")
    waitlist_enabled: bool
    offer_hours: int | None = Field(
        description="A freed place is held this long for the first in line to confirm; null: given at once."
    )


class ClosingInfo(BaseModel):
    """What the meeting decided, once closed."""

    closed_at: datetime
    minutes: dict[str, str]
    attendees_count: int | None
    contributions_count: int | None
    attending_organizations: str | None
    video_url: str | None
    audio_url: str | None
    visible: bool = Field(description="Shown to the public (staff always see it).")


class MeetingRead(BaseModel):
    """A meeting. Times are UTC (`start_at`, `end_at`) and in the commune's time zone (`start_local`,
    `end_local`, with their offset). Of a transparent private meeting, people neither invited nor
    registered see only what `details_hidden` leaves: title, times, type, status."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "5a0e6d8c-1a7b-4c1e-9a43-6f5b8a3e2c11",
                "component_id": "0f2f3c9e-7a5d-4a8e-b1f0-3d2c8e4a9b77",
                "status": "published",
                "official": True,
                "author_id": None,
                "title": {"fr": "Assemblée de quartier"},
                "description": {"fr": "Présentation des projets du budget participatif."},
                "start_at": "2027-03-04T17:30:00Z",
                "end_at": "2027-03-04T19:30:00Z",
                "time_zone": "Europe/Brussels",
                "start_local": "2027-03-04T18:30:00+01:00",
                "end_local": "2027-03-04T20:30:00+01:00",
                "meeting_type": "hybrid",
                "location": {"fr": "Salle du conseil"},
                "location_hints": {"fr": "Entrée par la cour"},
                "address": "Place du Marché 1, 4000 Liège",
                "latitude": 50.6451,
                "longitude": 5.5734,
                "online_url": "https://meet.jit.si/assemblee-quartier",
                "online_url_visibility": "everyone",
                "embed_url": None,
                "category": "mobilité",
                "district": "Centre",
                "private": False,
                "transparent": False,
                "details_hidden": False,
                "published_at": "2027-02-01T09:00:00Z",
                "withdrawn_at": None,
                "cancelled_at": None,
                "cancel_reason": None,
                "registration": {
                    "mode": "on_platform",
                    "url": None,
                    "available_slots": 60,
                    "reserved_slots": 5,
                    "places_left": 3,
                    "registrations_count": 52,
                    "waiting_count": 4,
                    "open_at": "2027-02-01T09:00:00Z",
                    "close_at": "2027-03-04T12:00:00Z",
                    "terms": {},
                    "waitlist_enabled": True,
                    "offer_hours": 24,
                },
                "attendance_count": 0,
                "closing": None,
            }
        }
    )

    id: uuid.UUID
    component_id: uuid.UUID
    status: MeetingStatus
    official: bool = Field(description="Organised by the commune (else by the participant `author_id`).")
    author_id: uuid.UUID | None
    title: dict[str, str]
    description: dict[str, str]
    start_at: datetime
    end_at: datetime
    time_zone: str = Field(description="The commune's time zone (IANA).")
    start_local: datetime
    end_local: datetime
    meeting_type: MeetingType
    location: dict[str, str]
    location_hints: dict[str, str]
    address: str | None
    latitude: float | None
    longitude: float | None
    online_url: str | None = Field(
        description="The link to join; null when the caller may not see it (see `online_url_visibility`)."
    )
    online_url_visibility: UrlVisibility
    embed_url: str | None
    category: str | None
    district: str | None
    private: bool
    transparent: bool
    details_hidden: bool = Field(
        description="The caller sees only the outline of a transparent private meeting."
    )
    published_at: datetime | None
    withdrawn_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: dict[str, str] | None
    registration: RegistrationInfo
    attendance_count: int = Field(description="Registrants checked in at the door.")
    closing: ClosingInfo | None = Field(description="Null until the meeting is closed (or when not visible).")
