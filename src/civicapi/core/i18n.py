"""Multilingual text: a JSON object of locale -> text, limited to the commune's locales.

Rule for clients (also in docs/internals/api-conventions.md): multilingual fields are always returned whole, as
``{"fr": "...", "nl": "..."}``; the front-end picks the language. Where the server itself must render one
string (CSV exports, sorting by title), it uses :func:`translate`: the requested locale (``?locale=`` or
the first ``Accept-Language`` tag the commune offers), then the commune's default locale, then the first
non-empty value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, Field, GetJsonSchemaHandler, StringConstraints
from pydantic.json_schema import JsonSchemaValue

from civicapi.core.errors import InvalidInput
from civicapi.core.schemas import trimmed

LOCALE_PATTERN = r"^[a-z]{2,3}(-[A-Z]{2})?$"
_LOCALE_RE = re.compile(LOCALE_PATTERN)

Locale = Annotated[str, StringConstraints(pattern=LOCALE_PATTERN), Field(examples=["fr", "nl", "en", "de"])]


def _non_empty(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("give the text in at least one locale")
    for key in value:
        if not _LOCALE_RE.match(key):
            raise ValueError(f"{key!r} is not a locale code such as 'fr' or 'nl-BE'")
    return value


class _LocaleKeyed:
    """Says in the JSON schema what :func:`_non_empty` checks: at least one locale, each key a locale code."""

    def __get_pydantic_json_schema__(
        self, core_schema: Any, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.update(minProperties=1, propertyNames={"pattern": LOCALE_PATTERN})
        return schema


def multilingual(max_length: int = 10_000, *, min_length: int = 1) -> Any:
    """A multilingual text type whose values are between ``min_length`` and ``max_length`` characters."""
    value_type = Annotated[str, trimmed(max_length, min_length=min_length)]
    return Annotated[
        dict[str, value_type],
        AfterValidator(_non_empty),
        _LocaleKeyed(),
        Field(examples=[{"fr": "Budget participatif 2026", "nl": "Burgerbegroting 2026"}]),
    ]


MultilingualTitle = multilingual(200)
MultilingualText = multilingual(20_000)


def check_locales(text: Mapping[str, str] | None, allowed: Iterable[str], *, field: str) -> None:
    """Refuse (422) any locale that the commune does not offer."""
    if not text:
        return
    allowed_set = set(allowed)
    bad = sorted(set(text) - allowed_set)
    if bad:
        raise InvalidInput(
            f"{field}: locale(s) {', '.join(bad)} not offered by this commune",
            errors=[
                {
                    "location": ["body", field, b],
                    "message": f"unknown locale; this commune offers {', '.join(sorted(allowed_set))}",
                    "code": "unknown_locale",
                }
                for b in bad
            ],
        )


def negotiate(
    requested: str | None, accept_language: str | None, offered: Iterable[str], default: str
) -> str:
    """Pick the locale to render: explicit ``?locale=``, else ``Accept-Language``, else the default."""
    offered_list = list(offered)
    if requested and requested in offered_list:
        return requested
    if accept_language:
        for part in accept_language.split(","):
            tag = part.split(";")[0].strip()
            for candidate in (tag, tag.split("-")[0].lower()):
                if candidate in offered_list:
                    return candidate
    return default


def translate(text: Mapping[str, str] | None, locale: str, default: str) -> str:
    if not text:
        return ""
    for key in (locale, default):
        if text.get(key):
            return text[key]
    return next((v for v in text.values() if v), "")


def fold(text: str) -> str:
    """Case- and accent-insensitive form used by text searches ("Église" → "eglise")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
