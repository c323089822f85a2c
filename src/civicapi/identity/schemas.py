from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from civicapi.core.i18n import Locale
from civicapi.core.schemas import RequestModel, omittable

Password = Field(min_length=10, max_length=1024, description="At least 10 characters.")


class TokenRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"email": "admin@demo.civicapi.org", "password": "demo-admin-pass"}},
    )

    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class TokenRead(BaseModel):
    access_token: str
    refresh_token: str = Field(description="Single use: exchange it at /v1/auth/refresh for a new pair.")
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires.")


class RefreshRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(max_length=256)


class LogoutRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str | None = Field(default=None, max_length=256)


class UserCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "email": "rita@example.org",
                "display_name": "Rita",
                "password": "a long passphrase",
                "locale": "fr",
            }
        },
    )

    email: EmailStr
    display_name: str = Field(min_length=1, max_length=120)
    password: str = Password
    locale: Locale = "fr"


class UserUpdate(RequestModel):
    """Applies only the fields sent."""

    model_config = ConfigDict(extra="forbid")
    display_name: str = omittable(min_length=1, max_length=120)
    locale: Locale = omittable()


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    display_name: str
    locale: str
    is_platform_admin: bool
    email_confirmed: bool
    created_at: datetime


class TokenOnly(RequestModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(max_length=256)


class PasswordForgot(RequestModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)


class PasswordReset(RequestModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(max_length=256)
    new_password: str = Password


class PasswordChange(RequestModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=1024)
    new_password: str = Password


class ApiKeyCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"name": "Portail communal", "scopes": ["read", "write:budgets"]}},
    )
    name: str = Field(min_length=1, max_length=120)
    scopes: list[str] = Field(
        min_length=1,
        max_length=20,
        description="`read`, `write:<module key>` per module the key may change, and `invite` (invite "
        "participants by mail).",
    )


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str = Field(
        description="First characters of the key, to recognise it; the key itself is never shown again."
    )
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key. Shown once: store it now.")
