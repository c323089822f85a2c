"""Settings, read from the environment (``CIVICAPI_`` prefix) and an optional ``.env`` file."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET = "change-me-insecure-development-secret"  # noqa: S105 - refused in production
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./civicapi.db"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class MailBackend(StrEnum):
    outbox = "outbox"
    smtp = "smtp"


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class GeocoderKind(StrEnum):
    offline = "offline"
    nominatim = "nominatim"
    photon = "photon"


class GeocoderEndpoint(BaseModel):
    """A geocoding provider: which API it speaks and where (``offline`` needs no URL)."""

    model_config = ConfigDict(extra="forbid")

    provider: GeocoderKind = GeocoderKind.offline
    base_url: str | None = None

    @model_validator(mode="after")
    def _url(self) -> GeocoderEndpoint:
        usable = self.base_url is not None and self.base_url.startswith(("http://", "https://"))
        if self.provider is not GeocoderKind.offline and not usable:
            raise ValueError(f"the {self.provider.value} geocoder needs an http(s) base_url")
        return self


class UnsafeConfiguration(ValueError):
    """Raised at start-up when a production deployment keeps a development default."""


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Everything a deployment can configure. Every field maps to ``CIVICAPI_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="CIVICAPI_", env_file=".env", extra="ignore")

    env: Environment = Environment.development
    database_url: str = DEFAULT_DATABASE_URL
    database_echo: bool = False
    database_pool_size: int = Field(default=10, ge=1, le=200)

    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    """Signs access tokens (HS256) unless asymmetric keys are configured; also keys identity hashes."""
    previous_secret_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    """Former secret keys (comma separated) still accepted to verify tokens during a key rotation."""
    jwt_issuer: str = "civicapi"
    jwt_audience: str = "civicapi"
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86_400)

    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    email_confirmation_ttl_hours: int = Field(default=48, ge=1, le=720)
    password_reset_ttl_minutes: int = Field(default=60, ge=5, le=1440)
    invitation_ttl_days: int = Field(default=14, ge=1, le=90)
    """How long an invitation's mailed code works."""

    mail_backend: MailBackend = MailBackend.outbox
    """``outbox`` records mail in memory (tests, demo); ``smtp`` sends it."""
    mail_from: str = "civicapi <no-reply@civicapi.org>"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    public_url: str = "http://127.0.0.1:8000"
    """Base URL used in links sent by mail (a front-end may put its own URL here)."""

    rate_limits_enabled: bool = True
    rate_limit_storage: str = "memory://"
    """A ``limits`` storage URL; use ``redis://...`` when several API processes run."""
    rate_limit_login: str = "10/minute"
    """Login attempts per client address and account."""
    rate_limit_login_ip: str = "30/minute"
    """Login attempts per client address, whatever the accounts (password spraying)."""
    rate_limit_login_account: str = "30/hour"
    """Login attempts per account, whatever the addresses (one account attacked from many)."""
    rate_limit_register: str = "5/minute"
    rate_limit_password_reset: str = "5/hour"  # noqa: S105 - a rate, not a password
    rate_limit_verification: str = "10/hour"
    rate_limit_desk_register: str = "120/hour"
    """Accounts one staff member may open at the desk (counted per staff account, not per address: a town
    hall's desk shares one address)."""

    require_confirmed_email: bool | None = None
    """Whether a person must have confirmed their email address before acting in a commune (verifying,
    proposing, supporting, voting ...: any write under ``/v1/communes/{commune}``). Unset: required
    everywhere but in ``development``."""
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Addresses or networks (comma separated) of the reverse proxies whose ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` are believed. None by default: the client address is the connection's peer."""

    modules: Annotated[list[str] | None, NoDecode] = None
    """Ordered allow-list of module keys to load (comma separated). ``None`` loads every installed module."""

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.text
    max_body_bytes: int = Field(default=1_048_576, ge=1_024)
    """Largest request body accepted (bytes); larger requests get a 413 problem document."""
    request_read_timeout_seconds: float = Field(default=10, ge=0, le=600)
    """How long a request may take to send its whole body once its headers arrived; a slower one gets a
    408 problem and its connection is closed, having held no admission slot (see ``core/deadline.py``).
    0 turns the deadline off."""
    max_import_bytes: int = Field(default=33_554_432, ge=1_024)
    """Largest body of an import route (a Pabulib file, a CSV), sent and once decompressed (bytes)."""
    docs_enabled: bool = True
    max_in_flight: int = Field(default=32, ge=0, le=100_000)
    """Requests one worker works on at once (answers from the response cache and health probes aside);
    0 disables the bound. A request beyond it waits up to ``admission_wait_seconds`` for a slot, then gets
    a 503 problem with ``Retry-After`` (see ``civicapi.core.admission``)."""
    admission_wait_seconds: float = Field(default=0.5, ge=0, le=60)
    lanes_enabled: bool = True
    """Let modules serve their busiest routes' usual case by a shorter way (the budgets module: a first
    whole ballot on PostgreSQL; see ``civicapi.core.lanes``). Off: every request goes through its route.
    The answers are the same either way."""
    loop_stall_seconds: float = Field(default=1.0, ge=0, le=60)
    """A worker logs a warning, with the code it is in, when its event loop is held this long (every
    request of the worker waits meanwhile: see ``core/loopwatch.py``); 0 turns the watchdog off."""
    event_retry_seconds: float = Field(default=30, ge=0, le=3600)
    """How often a worker looks for events its subscribers have not all taken (a subscriber failed, or a
    process stopped between its commit and the delivery) and delivers them again; 0 turns it off (see
    ``core/events.py``)."""
    response_cache_seconds: int = Field(default=2, ge=0, le=3600)
    """How long anonymous public reads may be answered from memory (and kept by proxies); 0 disables.
    A write through this process is visible at once; one made elsewhere within this many seconds."""
    response_cache_entries: int = Field(default=2048, ge=1, le=1_000_000)
    response_cache_megabytes: int = Field(default=64, ge=1, le=65_536)
    """Memory the kept answers may take per process (bodies; answers over 256 KiB are never kept)."""
    row_cache_seconds: float = Field(default=2, ge=0, le=60)
    """How long a process may reuse a commune or component it loaded (with its modules, process, phases)
    instead of reading it again; 0 disables. Writes through this process are seen at once."""

    # --- places: geocoding (issue 24, part m2; docs/capabilities/places.md#geocoding) ---
    geocoder: GeocoderKind = GeocoderKind.offline
    """``offline`` (the commune's own address list, no network), ``nominatim`` or ``photon`` (an HTTP API
    at ``geocoder_base_url``). Nothing a client sends chooses where the server connects."""
    geocoder_base_url: str | None = None
    """The provider's base URL (``https://nominatim.example.org``); its paths are appended to it."""
    geocoder_communes: dict[str, GeocoderEndpoint] = Field(default_factory=dict)
    """Per-commune overrides, as JSON keyed by the commune's slug:
    ``{"liege": {"provider": "photon", "base_url": "https://photon.example.org"}}``."""
    geocoder_user_agent: str = "civicapi geocoding (+https://civicapi.org)"
    """The ``User-Agent`` sent to the provider (Nominatim's policy asks for one naming the application)."""
    geocoder_email: str | None = None
    """Sent as Nominatim's ``email`` parameter when set (its policy, for heavy users)."""
    geocoder_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    """Longest wait for the provider's whole answer (connection, headers and body); then a 504 problem."""
    geocoder_max_response_bytes: int = Field(default=1_048_576, ge=1_024, le=67_108_864)
    """Largest answer read from the provider; past it the reading stops and the answer is a 502 problem."""
    geocoder_requests_per_second: float = Field(default=1.0, gt=0, le=1_000)
    """Requests per second this process sends to one provider (Nominatim's public policy: 1)."""
    geocoder_cache_seconds: int = Field(default=604_800, ge=0, le=31_536_000)
    """How long a provider's answer is kept in the database (``places_geocode_cache``); 0 keeps nothing."""
    rate_limit_geocoding: str = "60/minute"
    """Geocoding requests (search, reverse, autocomplete) per client address."""

    @model_validator(mode="after")
    def _geocoder(self) -> Settings:
        GeocoderEndpoint(provider=self.geocoder, base_url=self.geocoder_base_url)  # ValueError if unusable
        return self

    @field_validator("modules", "cors_origins", "previous_secret_keys", "trusted_proxies", mode="before")
    @classmethod
    def _csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        # ValueError: not an address or network; a host address becomes a /32 (or /128) network.
        return [str(ipaddress.ip_network(entry, strict=False)) for entry in value]

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return level

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env is Environment.production:
            problems = []
            if self.secret_key.get_secret_value() == DEFAULT_SECRET:
                problems.append("CIVICAPI_SECRET_KEY keeps its development default")
            elif len(self.secret_key.get_secret_value()) < 32:
                problems.append("CIVICAPI_SECRET_KEY must be at least 32 characters")
            if self.mail_backend is MailBackend.outbox:
                problems.append("CIVICAPI_MAIL_BACKEND=outbox would never deliver mail; configure smtp")
            if "*" in self.cors_origins:
                problems.append("CIVICAPI_CORS_ORIGINS must list origins, not '*'")
            if problems:
                raise UnsafeConfiguration("refusing to start in production: " + "; ".join(problems))
        return self

    @property
    def confirmed_email_required(self) -> bool:
        if self.require_confirmed_email is not None:
            return self.require_confirmed_email
        return self.env is not Environment.development

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite or ":memory:" in self.database_url:
            return None
        return Path(self.database_url.split(":///", 1)[1])


@lru_cache
def get_settings() -> Settings:
    return Settings()
