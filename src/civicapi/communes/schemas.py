from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from civicapi.core.i18n import Locale
from civicapi.core.schemas import RequestModel, exactly_one_of, omittable
from civicapi.registry import Role

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"

_COMMUNE_EXAMPLE: dict[str, Any] = {
    "slug": "liege",
    "name": "Ville de Liège",
    "locales": ["fr", "nl", "de", "en"],
    "default_locale": "fr",
    "timezone": "Europe/Brussels",
    "contact_email": "participation@liege.example.org",
    "reference_prefix": "LGE",
}


def _check_timezone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Europe/Brussels'") from exc
    return value


class _CommuneFields(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": _COMMUNE_EXAMPLE})

    @field_validator("timezone", check_fields=False)
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return _check_timezone(value)

    @field_validator("locales", check_fields=False)
    @classmethod
    def _unique_locales(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("locales must not repeat")
        return value


class CommuneCreate(_CommuneFields):
    slug: str = Field(pattern=SLUG_PATTERN, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    locales: list[Locale] = Field(min_length=1, max_length=12)
    default_locale: Locale
    timezone: str = Field(default="Europe/Brussels", max_length=64)
    contact_email: EmailStr | None = None
    contact_phone: str | None = Field(default=None, max_length=40)
    website_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    reference_prefix: str | None = Field(default=None, pattern=r"^[A-Z0-9]{2,12}$")

    @model_validator(mode="after")
    def _default_in_locales(self) -> CommuneCreate:
        if self.default_locale not in self.locales:
            raise ValueError("default_locale must be one of locales")
        return self


class CommuneUpdate(_CommuneFields):
    """Applies only the fields sent."""

    name: str = omittable(min_length=1, max_length=200)
    locales: list[Locale] = omittable(min_length=1, max_length=12)
    default_locale: Locale = omittable()
    timezone: str = omittable(max_length=64)
    contact_email: EmailStr | None = None
    contact_phone: str | None = Field(default=None, max_length=40)
    website_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    reference_prefix: str = omittable(pattern=r"^[A-Z0-9]{2,12}$")


class CommuneRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"example": {"id": "5f0c...", **_COMMUNE_EXAMPLE}}
    )

    id: uuid.UUID
    slug: str
    name: str
    locales: list[str]
    default_locale: str
    timezone: str
    contact_email: str | None
    contact_phone: str | None
    website_url: str | None
    reference_prefix: str
    created_at: datetime
    updated_at: datetime


class ModuleInfo(BaseModel):
    """An installed module, as the platform catalog shows it."""

    key: str
    title: dict[str, str]
    description: dict[str, str]
    version: str
    settings_schema: dict[str, Any]
    component_settings_schema: dict[str, Any]
    step_settings_schema: dict[str, Any]
    permissions: list[str]


class EnabledModuleRead(BaseModel):
    """A module the commune has enabled; front-ends build their menus from this list."""

    key: str
    title: dict[str, str]
    description: dict[str, str]
    path: str = Field(description="Base path of the module's routes for this commune.")
    enabled_at: datetime


class CommuneModuleRead(BaseModel):
    key: str
    enabled: bool
    settings: dict[str, Any]
    enabled_at: datetime
    updated_at: datetime


class CommuneModuleEnable(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"settings": {}}})

    settings: dict[str, Any] = Field(
        default_factory=dict, description="Validated by the module's settings schema."
    )


class MembershipCreate(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"email": "agent@liege.example.org", "role": "staff"},
            **exactly_one_of("user_id", "email"),
        },
    )

    user_id: uuid.UUID | None = None
    email: EmailStr | None = None
    role: Role

    @model_validator(mode="after")
    def _one_target(self) -> MembershipCreate:
        if (self.user_id is None) == (self.email is None):
            raise ValueError("give exactly one of user_id or email")
        return self


class MembershipRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    role: Role
    created_at: datetime
