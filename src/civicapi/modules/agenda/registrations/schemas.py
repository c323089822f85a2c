"""Bodies and answers of registrations, check-in, invitations and the public list of participants."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from civicapi.core.i18n import MultilingualText
from civicapi.core.schemas import RequestModel, exactly_one_of
from civicapi.forms.schemas_submission import SubmissionIn
from civicapi.modules.agenda.schemas import RegistrationMode

RegistrationStatus = Literal["registered", "waiting", "offered", "cancelled"]
InviteStatus = Literal["pending", "accepted", "declined"]

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""Check-in codes: digits and capitals without 0/O, 1/I/L, read aloud or typed without confusion."""


class RegistrationSettingsUpdate(RequestModel):
    """How people register for a meeting (replaces every setting)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "mode": "on_platform",
                "available_slots": 60,
                "reserved_slots": 5,
                "open_at": "2027-02-01T09:00:00Z",
                "close_at": "2027-03-04T12:00:00Z",
                "terms": {"fr": "J'accepte que mon nom figure sur la liste de présence."},
                "waitlist_enabled": True,
                "offer_hours": 24,
            }
        },
    )

    mode: RegistrationMode
    url: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, description="Where to register, for `mode` `external`: an `https` URL."
    )
    available_slots: int = Field(
        default=0, ge=0, le=1_000_000, description="Places in the room; 0: no limit."
    )
    reserved_slots: int = Field(
        default=0, ge=0, le=1_000_000, description="Places kept aside (<= available)."
    )
    open_at: datetime | None = Field(default=None, description="Registrations open then; null: now.")
    close_at: datetime | None = Field(
        default=None, description="Registrations close then; null: at the start."
    )
    terms: MultilingualText | None = Field(
        default=None, description="Terms a registrant accepts; null: none."
    )
    waitlist_enabled: bool = True
    offer_hours: int | None = Field(
        default=None,
        ge=1,
        le=24 * 14,
        description="A freed place is held this long for the first in line to confirm; null: given at once.",
    )


class RegistrationCreate(RequestModel):
    """Register for a meeting (an empty body is fine where the meeting has no terms)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"accept_terms": True, "public_participation": False}}
    )

    accept_terms: bool = Field(default=False, description="Required (true) when the meeting has terms.")
    public_participation: bool = Field(
        default=False, description="Appear (display name only) in the meeting's public list of participants."
    )
    form: SubmissionIn | None = Field(
        default=None,
        description="Answers to the meeting's registration form, where it has one "
        "(`GET .../meetings/{meeting_id}/registration-form`); judged whole, every problem listed at once.",
    )


class RegistrationRead(BaseModel):
    """A registration: a place (`registered`), a number in the waiting list (`waiting`), a freed place held
    until `offered_until` (`offered`, to confirm), or `cancelled`."""

    id: uuid.UUID
    meeting_id: uuid.UUID
    user_id: uuid.UUID | None
    status: RegistrationStatus
    number: int = Field(description="Arrival order in the meeting.")
    place_in_line: int | None = Field(description="1 for the first in line; null unless `waiting`.")
    code: str | None = Field(description="Check-in code to show at the door; null unless holding a place.")
    check_in_url: str | None = Field(description="QR-friendly check-in URL (staff open it to check in).")
    public_participation: bool
    offered_until: datetime | None
    checked_in_at: datetime | None
    created_at: datetime
    cancelled_at: datetime | None


class RegistrationListItem(RegistrationRead):
    """A registration as staff see it (personal data)."""

    display_name: str | None = Field(description="Null once the account was erased.")
    email: str | None


class CheckInCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"code": "7KQ4MZ2H"}})

    code: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=4, max_length=16)]


class CheckInRead(BaseModel):
    registration_id: uuid.UUID
    number: int
    display_name: str | None
    checked_in_at: datetime
    already_checked_in: bool = Field(description="The code had been checked in before (counted once).")
    attendance_count: int


class InviteCreate(RequestModel):
    """Invite an existing account (`user_id`) or an e-mail address (`email`): exactly one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"email": "marie@example.org"}, **exactly_one_of("user_id", "email")},
    )

    user_id: uuid.UUID | None = None
    email: EmailStr | None = None


class InviteRead(BaseModel):
    id: uuid.UUID
    meeting_id: uuid.UUID
    user_id: uuid.UUID | None
    email: str | None
    status: InviteStatus
    created_at: datetime
    answered_at: datetime | None


class InviteAnswer(RequestModel):
    """Accept or decline an invitation; by e-mail, with the secret of the mail's link."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"accept": True}})

    accept: bool
    accept_terms: bool = Field(
        default=False, description="Accepting registers the person: accept the meeting's terms, if any."
    )
    token: Annotated[str, StringConstraints(min_length=16, max_length=128)] | None = Field(
        default=None, description="The secret of the invitation's link (invitations by e-mail)."
    )


class ParticipantRead(BaseModel):
    """A registrant who agreed to be listed publicly."""

    display_name: str
    registered_at: datetime
