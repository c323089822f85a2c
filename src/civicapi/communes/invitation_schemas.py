"""Schemas of invitations (a role offered by mail to an address without an account) and of the desk's
registrations (an account opened by a staff member for a resident in front of them)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from civicapi.core.i18n import Locale
from civicapi.core.schemas import RequestModel
from civicapi.identity.schemas import Password
from civicapi.registry import Role


class InvitationStatus(StrEnum):
    pending = "pending"
    expired = "expired"
    accepted = "accepted"
    revoked = "revoked"


class InvitationCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"email": "agent@liege.example.org", "role": "staff"}}
    )

    email: EmailStr
    role: Role = Role.participant


class InvitationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    role: Role
    status: InvitationStatus
    created_at: datetime = Field(description="When it was sent (or last sent again).")
    expires_at: datetime
    invited_by_user_id: uuid.UUID | None = None
    invited_by_api_key_id: uuid.UUID | None = None


class InvitationAccept(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "code": "the code from the mail",
                "display_name": "Rita",
                "password": "a long passphrase",
            }
        },
    )

    code: str = Field(min_length=1, max_length=256, description="The code mailed with the invitation.")
    display_name: str = Field(min_length=1, max_length=120)
    password: str = Password
    locale: Locale = "fr"


class DeskRegistrationCreate(RequestModel):
    """A staff member opens an account for a resident at the desk; the resident sets a password with the
    code mailed to them (which confirms the address)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"email": "rita@example.org", "display_name": "Rita", "locale": "fr"}},
    )

    email: EmailStr
    display_name: str = Field(min_length=1, max_length=120)
    locale: Locale = "fr"
