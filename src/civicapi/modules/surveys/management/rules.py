"""Rules of managing surveys, shared by its services: what a survey's fields must be, when it is open,
who sees its audit entries, and the survey as its questionnaire's owner."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from civicapi.core import audit
from civicapi.forms.service_definition import FormOwner
from civicapi.modules.surveys.common.reading import KEY, OWNER_TYPE
from civicapi.modules.surveys.exceptions import SurveysInvalid
from civicapi.modules.surveys.models import DRAFT, PUBLISHED, Survey
from civicapi.modules.surveys.settings import ComponentContext
from civicapi.spaces import kit

AUDIT_FIELDS = (
    "status",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "anonymous",
    "allow_editing",
    "multiple_answers",
    "answers_without_account",
    "results_published",
    "min_group_size",
    "published_at",
    "closed_at",
)
SURVEYS: kit.AuditedWrites[Survey] = kit.AuditedWrites(audit.ModuleTrail(KEY), "survey", AUDIT_FIELDS)
"""Every write of a survey: ``surveys.survey.<verb>`` (create, update, publish, close, reopen, delete)."""

FROZEN_ONCE_ANSWERED = ("anonymous", "multiple_answers", "answers_without_account")
"""Flags that change what an answer is: fixed once the survey has a counted answer (409 ``has_answers``)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a survey's audit entries go: its commune, and whether they are public (the component and its
    process are published, and the survey is not a draft)."""

    commune_id: uuid.UUID
    public: bool


def scope_of(ctx: ComponentContext, survey: Survey) -> Scope:
    return Scope(ctx.commune_id, ctx.public and survey.status != DRAFT)


def owner_of(commune_id: uuid.UUID, survey_id: uuid.UUID, locales: tuple[str, ...] = ()) -> FormOwner:
    """The survey as the owner of its questionnaire (``common.reading.form_owner`` without a context:
    for the periodic sweep, which changes no text)."""
    return FormOwner(commune_id, KEY, OWNER_TYPE, survey_id, locales)


def is_open(survey: Survey, ctx: ComponentContext, now: datetime) -> bool:
    """Takes answers now: published, within its window, in a phase that allows answers."""
    return (
        survey.status == PUBLISHED
        and ctx.step.answers_enabled
        and (survey.starts_at is None or survey.starts_at <= now)
        and (survey.ends_at is None or survey.ends_at > now)
    )


def normalised(values: dict[str, Any]) -> dict[str, Any]:
    """Times in UTC; a cleared description as an empty object."""
    for field in ("starts_at", "ends_at"):
        if values.get(field) is not None:
            values[field] = values[field].astimezone(UTC)
    if "description" in values and values["description"] is None:
        values["description"] = {}
    return values


def _error(field: list[Any], message: str, code: str) -> dict[str, Any]:
    return {"location": ["body", *field], "message": message, "code": code}


def survey_errors(ctx: ComponentContext, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every broken rule of a survey's fields as they would be."""
    locales = set(ctx.commune.locales)
    offered = f"this commune offers {', '.join(sorted(locales))}"
    errors = [
        _error([field, locale], offered, "unknown_locale")
        for field in ("title", "description")
        for locale in sorted(set(values.get(field) or {}) - locales)
    ]
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        errors.append(_error(["ends_at"], "the survey must end after it starts", "ends_before_start"))
    return errors


def raise_invalid(errors: list[dict[str, Any]]) -> None:
    """422 ``surveys-invalid``, its ``reason`` the first error's code, when there are errors."""
    if errors:
        detail = "; ".join(f"{'.'.join(map(str, e['location'][1:]))}: {e['message']}" for e in errors)
        raise SurveysInvalid(detail, reason=errors[0]["code"], errors=errors)
