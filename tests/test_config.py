import pytest
from pydantic import ValidationError

from civicapi.config import DEFAULT_SECRET, Environment, Settings


def test_defaults_are_embedded_sqlite_and_all_modules() -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.database_url.startswith("sqlite+aiosqlite:///")
    assert s.modules is None


def test_lists_come_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIVICAPI_MODULES", "budgets, proposals")
    monkeypatch.setenv("CIVICAPI_CORS_ORIGINS", "https://a.example.org,https://b.example.org")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.modules == ["budgets", "proposals"]
    assert s.cors_origins == ["https://a.example.org", "https://b.example.org"]


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="CIVICAPI_SECRET_KEY keeps its development default"):
        Settings(env=Environment.production, secret_key=DEFAULT_SECRET, _env_file=None)  # type: ignore[call-arg, arg-type]


def test_production_refuses_a_short_secret_and_wildcard_cors() -> None:
    with pytest.raises(ValidationError) as err:
        Settings(env=Environment.production, secret_key="short", cors_origins=["*"], _env_file=None)  # type: ignore[call-arg, arg-type]
    assert "at least 32 characters" in str(err.value)
    assert "not '*'" in str(err.value)


def test_production_starts_with_a_real_secret() -> None:
    s = Settings(env=Environment.production, secret_key="x" * 40, mail_backend="smtp", _env_file=None)  # type: ignore[call-arg, arg-type]
    assert s.env is Environment.production


def test_unknown_log_level_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(log_level="chatty", _env_file=None)  # type: ignore[call-arg]
