"""Request bodies of meetings and agenda items, and the agenda item as read. (The meeting as read is
``agenda.schemas.MeetingRead``, shared by every use case.)"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from civicapi.core.i18n import MultilingualText, MultilingualTitle, multilingual
from civicapi.core.schemas import RequestModel, omittable, trimmed
from civicapi.modules.agenda.schemas import MeetingType, UrlVisibility

Place = multilingual(300)
CancelReason = multilingual(2_000)
Address = Annotated[str, trimmed(300)]
Url = Annotated[str, trimmed(500)]
Label = Annotated[str, trimmed(60)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]

_EXAMPLE: dict[str, Any] = {
    "title": {"fr": "Assemblée de quartier"},
    "description": {"fr": "Présentation des projets du budget participatif."},
    "start_at": "2027-03-04T18:30:00+01:00",
    "end_at": "2027-03-04T20:30:00+01:00",
    "meeting_type": "hybrid",
    "location": {"fr": "Salle du conseil"},
    "address": "Place du Marché 1, 4000 Liège",
    "online_url": "https://meet.jit.si/assemblee-quartier",
    "online_url_visibility": "registered",
    "category": "mobilité",
    "district": "Centre",
}


class MeetingCreate(RequestModel):
    """A new meeting (a draft until published). Times carry their offset; they are stored in UTC. Holders
    of `agenda.manage` create official meetings (organised by the commune); participants create their own
    where the component allows it. Registrations are set by the registrations' own route."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _EXAMPLE})

    title: MultilingualTitle
    description: MultilingualText | None = None
    start_at: AwareDatetime
    end_at: AwareDatetime = Field(description="After `start_at`.")
    meeting_type: MeetingType = "in_person"
    location: Place | None = None  # type: ignore[valid-type]  # a multilingual() alias
    location_hints: Place | None = None  # type: ignore[valid-type]  # a multilingual() alias
    address: Address | None = Field(default=None, description="Required for in-person and hybrid meetings.")
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    online_url: Url | None = Field(
        default=None, description="An `https` link without credentials; required for online and hybrid."
    )
    online_url_visibility: UrlVisibility = "everyone"
    embed_url: Url | None = Field(
        default=None, description="An `https` page of one of the component's `embed_hosts` (a live stream)."
    )
    category: Label | None = Field(default=None, description="One of the component's `categories` if any.")
    district: Label | None = Field(default=None, description="One of the component's `districts` if any.")
    private: bool = Field(default=False, description="Seen by invitees, registrants and staff only.")
    transparent: bool = Field(
        default=False, description="A private meeting listed for everyone, its details hidden."
    )


class MeetingUpdate(RequestModel):
    """Fields to change (absent: unchanged; null clears an optional field). A change that a calendar
    reader sees bumps the meeting's `sequence`."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"end_at": "2027-03-04T21:00:00+01:00"}}
    )

    title: MultilingualTitle = omittable()
    description: MultilingualText | None = None
    start_at: AwareDatetime = omittable()
    end_at: AwareDatetime = omittable()
    meeting_type: MeetingType = omittable()
    location: Place | None = None  # type: ignore[valid-type]  # a multilingual() alias
    location_hints: Place | None = None  # type: ignore[valid-type]  # a multilingual() alias
    address: Address | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    online_url: Url | None = None
    online_url_visibility: UrlVisibility = omittable()
    embed_url: Url | None = None
    category: Label | None = None
    district: Label | None = None
    private: bool = omittable()
    transparent: bool = omittable()


class MeetingCancel(RequestModel):
    """Why the meeting is cancelled (told to its registrants, shown on the meeting)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"reason": {"fr": "La salle est indisponible.", "nl": "Zaal bezet."}}},
    )

    reason: CancelReason  # type: ignore[valid-type]  # a multilingual() alias


Minutes = Annotated[int, Field(ge=0, le=24 * 60 * 7, description="Duration in minutes.")]


class AgendaItemCreate(RequestModel):
    """A point of the agenda: top-level, or under a top-level item (`parent_id`). Added last of its level
    unless `position` is given. Durations fit: the top-level items within the meeting, sub-items within
    their item."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "title": {"fr": "Présentation des projets"},
                "duration_minutes": 30,
                "parent_id": None,
            }
        },
    )

    title: MultilingualTitle
    description: MultilingualText | None = None
    duration_minutes: Minutes = 0
    parent_id: uuid.UUID | None = None
    position: Annotated[int, Field(ge=0, le=10_000)] | None = None


class AgendaItemUpdate(RequestModel):
    """Fields to change (the level of an item does not change: delete and add it again)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"duration_minutes": 45}})

    title: MultilingualTitle = omittable()
    description: MultilingualText | None = None
    duration_minutes: Minutes = omittable()


class AgendaReorder(RequestModel):
    """The new order of one level: every item of the meeting's top level (`parent_id` null) or every
    sub-item of `parent_id`, each once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"parent_id": None, "item_ids": ["5a0e6d8c-1a7b-4c1e-9a43-6f5b8a3e2c11"]}
        },
    )

    parent_id: uuid.UUID | None = None
    item_ids: list[uuid.UUID] = Field(min_length=1, max_length=200)


class AgendaChildRead(BaseModel):
    id: uuid.UUID
    position: int
    title: dict[str, str]
    description: dict[str, str]
    duration_minutes: int


class AgendaItemRead(AgendaChildRead):
    """An agenda item; a top-level item lists its sub-items in order (`children`)."""

    parent_id: uuid.UUID | None
    children: list[AgendaChildRead] = Field(default_factory=list)


class AgendaLevelRead(BaseModel):
    """One level of the agenda in its new order."""

    items: list[AgendaItemRead]
