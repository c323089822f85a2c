from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from civicapi.core.schemas import RequestModel, exactly_one_of
from civicapi.identity.verification.models import VerificationStatus

Identifier = Field(min_length=1, max_length=64, description="National number or document number.")


class CensusVerificationCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"identifier": "85.07.30-033.61", "birth_date": "1985-07-30"}},
    )

    identifier: str = Identifier
    birth_date: date


class DeskVerificationCreate(RequestModel):
    """A staff member verifies a person who showed an identity document at the commune's desk."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "email": "habitant@example.org",
                "identifier": "592-1234567-89",
                "district": "Outremeuse",
                "postal_code": "4020",
                "birth_year": 1985,
                "valid_days": 365,
            },
            **exactly_one_of("user_id", "email"),
        },
    )

    user_id: uuid.UUID | None = None
    email: EmailStr | None = None
    identifier: str = Identifier
    district: str | None = Field(default=None, min_length=1, max_length=120)
    postal_code: str | None = Field(default=None, min_length=1, max_length=20)
    birth_year: int | None = Field(default=None, ge=1880, le=2200)
    valid_days: int | None = Field(
        default=None, ge=1, le=3650, description="Days the verification stays valid; none: no expiry."
    )

    @model_validator(mode="after")
    def _one_person(self) -> DeskVerificationCreate:
        if (self.user_id is None) == (self.email is None):
            raise ValueError("give exactly one of user_id or email")
        return self


class VerificationRead(BaseModel):
    """A verification as its owner and the commune's admins see it (never the identifier or its hash)."""

    id: uuid.UUID
    user_id: uuid.UUID | None
    handler: str
    status: VerificationStatus = Field(description="`granted` or `revoked`.")
    expired: bool = Field(description="Granted, but past `expires_at`: requirements answer `expired`.")
    metadata: dict[str, Any] = Field(description="Coarse facts: district, postal_code, birth_year.")
    granted_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    verified_by_user_id: uuid.UUID | None = Field(description="The staff member, for desk verifications.")


class CensusUploadRead(BaseModel):
    entries: int = Field(description="Residents in the census now.")
    previous_entries: int = Field(description="Residents in the census it replaced.")


class VerificationHandlerRead(BaseModel):
    name: str
    title: dict[str, str]
    description: dict[str, str]
    module: str | None = Field(description="The module providing it; null for the platform's own.")
