"""What an action demands of the person doing it (Decidim's permissions on component actions): verified by
some handlers, possibly with conditions on the verification's metadata (district, postal code, age).

:func:`evaluate_conditions` is pure; :func:`check_requirements` reads the person's verifications. Modules
call it before the actions they protect (vote, support, propose ...) and act on the ``status``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.identity.verification.models import Verification
from civicapi.identity.verification.repository import VerificationRepository


class RequirementStatus(StrEnum):
    ok = "ok"
    not_logged_in = "not_logged_in"
    missing = "missing"
    """No granted verification of that handler."""
    expired = "expired"
    """Granted, but past its expiry: verify again."""
    unauthorized = "unauthorized"
    """Verified, but a condition fails (``failed_conditions`` says which)."""


class RequirementConditions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    districts: list[str] | None = Field(
        default=None, description="Any of these districts (case-insensitive)."
    )
    postal_codes: list[str] | None = None
    min_age: int | None = Field(default=None, ge=0, le=150)
    max_age: int | None = Field(default=None, ge=0, le=150)


class ActionRequirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handler: str = Field(max_length=64)
    conditions: RequirementConditions = Field(default_factory=RequirementConditions)


class FailedCondition(BaseModel):
    condition: str = Field(description="`districts`, `postal_codes`, `min_age` or `max_age`.")
    reason: str


class HandlerResult(BaseModel):
    handler: str
    status: RequirementStatus
    failed_conditions: list[FailedCondition] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)
    verification_id: uuid.UUID | None = None


class RequirementResult(BaseModel):
    """``ok`` when every requirement holds; otherwise the first one (in the order given) that does not."""

    status: RequirementStatus
    handler: str | None = Field(default=None, description="The requirement that is not met.")
    reason: str | None = None
    failed_conditions: list[FailedCondition] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict, description="Metadata of the verifications used.")
    results: list[HandlerResult] = Field(default_factory=list)


def _fold(value: Any) -> str:
    return str(value).strip().casefold()


def age_in(birth_year: int, today: date) -> int:
    """Age counted in calendar years (only the birth year is kept): born in 2010 → 16 all through 2026."""
    return today.year - birth_year


def evaluate_conditions(
    conditions: RequirementConditions, metadata: Mapping[str, Any], *, today: date
) -> list[FailedCondition]:
    """The conditions that ``metadata`` fails; empty when all hold. A fact the verification lacks fails
    the condition that needs it."""
    failed: list[FailedCondition] = []
    if conditions.districts is not None:
        district = metadata.get("district")
        if district is None:
            failed.append(FailedCondition(condition="districts", reason="no district recorded"))
        elif _fold(district) not in {_fold(d) for d in conditions.districts}:
            failed.append(FailedCondition(condition="districts", reason="district not allowed"))
    if conditions.postal_codes is not None:
        postal_code = metadata.get("postal_code")
        if postal_code is None:
            failed.append(FailedCondition(condition="postal_codes", reason="no postal code recorded"))
        elif _fold(postal_code) not in {_fold(p) for p in conditions.postal_codes}:
            failed.append(FailedCondition(condition="postal_codes", reason="postal code not allowed"))
    if conditions.min_age is not None or conditions.max_age is not None:
        birth_year = metadata.get("birth_year")
        if not isinstance(birth_year, int):
            for name in ("min_age", "max_age"):
                if getattr(conditions, name) is not None:
                    failed.append(FailedCondition(condition=name, reason="no birth year recorded"))
        else:
            age = age_in(birth_year, today)
            if conditions.min_age is not None and age < conditions.min_age:
                failed.append(
                    FailedCondition(condition="min_age", reason=f"younger than {conditions.min_age}")
                )
            if conditions.max_age is not None and age > conditions.max_age:
                failed.append(FailedCondition(condition="max_age", reason=f"older than {conditions.max_age}"))
    return failed


_REASONS = {
    RequirementStatus.not_logged_in: "log in first",
    RequirementStatus.missing: "not verified with this handler",
    RequirementStatus.expired: "the verification has expired; verify again",
}


async def check_requirements(
    session: AsyncSession,
    *,
    commune_id: uuid.UUID,
    user_id: uuid.UUID | None,
    requirements: Sequence[ActionRequirement],
    today: date,
    now: datetime | None = None,
    verifications: Sequence[Verification] | None = None,
) -> RequirementResult:
    """Whether ``user_id`` meets every requirement. ``today`` (the commune's date) is used for ages,
    ``now`` (default: the current time) for expiry. ``verifications``: the user's verifications in the
    commune, when the caller has read them already (else they are read here)."""
    if not requirements:
        return RequirementResult(status=RequirementStatus.ok)
    if user_id is None:
        status = RequirementStatus.not_logged_in
        return RequirementResult(status=status, handler=requirements[0].handler, reason=_REASONS[status])
    now = now or utcnow()
    if verifications is None:
        handlers = sorted({r.handler for r in requirements})
        verifications = await VerificationRepository(session, commune_id).of_user(user_id, handlers)
    return evaluate_requirements(requirements, verifications, today=today, now=now)


def evaluate_requirements(
    requirements: Sequence[ActionRequirement],
    verifications: Sequence[Verification],
    *,
    today: date,
    now: datetime,
) -> RequirementResult:
    """:func:`check_requirements` of a logged-in person whose verifications are read already (no I/O)."""
    if not requirements:
        return RequirementResult(status=RequirementStatus.ok)
    handlers = {r.handler for r in requirements}
    granted = {v.handler: v for v in verifications if v.handler in handlers and v.status == "granted"}
    results: list[HandlerResult] = []
    for requirement in requirements:
        verification = granted.get(requirement.handler)
        if verification is None:
            results.append(HandlerResult(handler=requirement.handler, status=RequirementStatus.missing))
            continue
        metadata = dict(verification.meta)
        result = HandlerResult(
            handler=requirement.handler,
            status=RequirementStatus.ok,
            metadata=metadata,
            verification_id=verification.id,
        )
        if verification.is_expired(now):
            result.status = RequirementStatus.expired
        else:
            result.failed_conditions = evaluate_conditions(requirement.conditions, metadata, today=today)
            if result.failed_conditions:
                result.status = RequirementStatus.unauthorized
        results.append(result)
    metadata = {k: v for r in results for k, v in r.metadata.items()}
    failing = next((r for r in results if r.status is not RequirementStatus.ok), None)
    if failing is None:
        return RequirementResult(status=RequirementStatus.ok, metadata=metadata, results=results)
    reason = _REASONS.get(failing.status) or "; ".join(f.reason for f in failing.failed_conditions)
    return RequirementResult(
        status=failing.status,
        handler=failing.handler,
        reason=reason,
        failed_conditions=failing.failed_conditions,
        metadata=metadata,
        results=results,
    )
