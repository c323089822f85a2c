"""Rules every use case of proposals shares: text search folding, who is an author, what a
proposal's content may hold, the edit window, action requirements and references.

Plain functions and constants, no routes and no use case of their own: ``lifecycle``, ``supports``,
``answers``, ``review`` and ``io`` import them from here (never from one another)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.errors import Forbidden, InvalidInput, Unauthorized
from civicapi.core.i18n import check_locales, fold
from civicapi.identity.models import User
from civicapi.identity.verification.requirements import (
    ActionRequirement,
)
from civicapi.modules.proposals.exceptions import ProposalActionForbidden, ProposalConflict
from civicapi.modules.proposals.models import DRAFT, WITHDRAWN, Proposal
from civicapi.modules.proposals.permissions import OFFICIAL
from civicapi.modules.proposals.repository import ReferenceCounterRepository
from civicapi.modules.proposals.settings import ComponentContext
from civicapi.spaces import kit

RANDOM_KEY_MODULUS = 2_147_483_647
"""A prime: ``sort=random`` orders by ``(random_key * a + b) mod p``, a permutation for every seed."""
CONTENT_FIELDS = ("title", "body", "address", "latitude", "longitude", "category", "district")
AUDIT_FIELDS = (*CONTENT_FIELDS, "official", "status")


def search_text(proposal: Proposal) -> str:
    parts = [*proposal.title.values(), *proposal.body.values(), proposal.reference or ""]
    return fold(" ".join(p for p in parts if p))


def require_user(user: User | None) -> User:
    if user is None:
        raise Unauthorized("log in first: this action is done by a person")
    return user


async def check_action_requirements(
    session: AsyncSession,
    ctx: ComponentContext,
    user_id: uuid.UUID,
    requirements: Sequence[ActionRequirement],
) -> None:
    """403 ``requirements_not_met`` (with the requirement's status) unless the person meets them all."""
    await kit.require_verifications(session, ctx, user_id, requirements, forbidden=ProposalActionForbidden)


def is_author(proposal: Proposal, user_id: uuid.UUID | None) -> bool:
    """Whether ``user_id`` is an author (``authorships`` loaded)."""
    return user_id is not None and any(a.user_id == user_id for a in proposal.authorships)


def field_error(location: list[str | int], message: str, code: str) -> dict[str, Any]:
    return {"location": location, "message": message, "code": code}


Where = Callable[[str], list[str | int]]
"""field -> the location of that field in the request (``["body", field]``, or a CSV row's column)."""


def _in_body(field: str) -> list[str | int]:
    return ["body", field]


def _check_text(
    errors: list[dict[str, Any]],
    where: list[str | int],
    text: Mapping[str, str],
    *,
    min_length: int,
    max_length: int,
) -> None:
    for locale, value in text.items():
        if len(value) > max_length:
            errors.append(
                field_error([*where, locale], f"at most {max_length} characters", "string_too_long")
            )
        elif len(value) < min_length:
            errors.append(
                field_error([*where, locale], f"at least {min_length} characters", "string_too_short")
            )


def content_errors(
    ctx: ComponentContext, values: Mapping[str, Any], where: Where = _in_body
) -> list[dict[str, Any]]:
    """What is wrong with the fields present in ``values``, against the commune's locales and the
    component's settings (lengths, geolocation, allowed categories and districts)."""
    settings = ctx.settings
    errors: list[dict[str, Any]] = []
    limits = {
        "title": (1, settings.title_max_length),
        "body": (settings.body_min_length, settings.body_max_length),
    }
    for field, (low, high) in limits.items():
        text = values.get(field)
        if text is None:
            continue
        try:
            check_locales(text, ctx.commune.locales, field=field)
        except InvalidInput as exc:
            errors += [{**e, "location": [*where(field), e["location"][-1]]} for e in exc.extras["errors"]]
        _check_text(errors, where(field), text, min_length=low, max_length=high)
    if not settings.geolocation_enabled:
        for field in ("address", "latitude", "longitude"):
            if values.get(field) is not None:
                errors.append(
                    field_error(where(field), "geolocation is off in this component", "geolocation_disabled")
                )
    for field, allowed in (("category", settings.categories), ("district", settings.districts)):
        value = values.get(field)
        if value is not None and allowed and value not in allowed:
            errors.append(field_error(where(field), f"one of: {', '.join(allowed)}", "not_allowed"))
    return errors


def check_content(ctx: ComponentContext, values: Mapping[str, Any]) -> None:
    """422 listing every problem of :func:`content_errors`."""
    errors = content_errors(ctx, values)
    if errors:
        raise InvalidInput(f"{len(errors)} field(s) are invalid for this component", errors=errors)


def require_author(proposal: Proposal, user: User | None, may_official: bool) -> None:
    """Authors act on their proposals; holders of ``proposals.official`` on official ones."""
    if proposal.official:
        if not may_official:
            raise Forbidden(f"missing permission {OFFICIAL!r} in this commune", permission=OFFICIAL)
        return
    if user is None:
        raise Unauthorized("log in first")
    if not is_author(proposal, user.id):
        raise ProposalActionForbidden("only the proposal's authors may do this", reason="not_an_author")


def edit_deadline(ctx: ComponentContext, proposal: Proposal) -> datetime | None:
    """The end of the authors' edit window of a published proposal."""
    if proposal.published_at is None:
        return None
    return proposal.published_at + timedelta(minutes=ctx.settings.edit_window_minutes)


def edit_refusal(ctx: ComponentContext, proposal: Proposal, *, now: datetime) -> ProposalConflict | None:
    """Why the proposal cannot be edited now (by whoever may edit it), or None."""
    if proposal.status == WITHDRAWN:
        return ProposalConflict("a withdrawn proposal cannot change", reason="withdrawn")
    if proposal.official:
        if proposal.supports_count or proposal.pending_supports_count:
            return ProposalConflict("a proposal with supports cannot be edited", reason="has_supports")
        return None
    if proposal.status == DRAFT:
        return None
    if proposal.answer_published_at is not None:
        return ProposalConflict("the proposal has a published answer", reason="answer_published")
    deadline = edit_deadline(ctx, proposal)
    if deadline is None or now >= deadline:
        return ProposalConflict("the edit window of this proposal has closed", reason="edit_window_closed")
    return None


def format_reference(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-PROP-{year}-{sequence:04d}"


async def assign_references(
    session: AsyncSession, ctx: ComponentContext, proposals: Sequence[Proposal]
) -> None:
    """Give each proposal the next references of the commune for this year (one allocation)."""
    if not proposals:
        return
    year = ctx.today.year
    first = await ReferenceCounterRepository(session, ctx.commune_id).allocate(year, len(proposals))
    for offset, proposal in enumerate(proposals):
        proposal.reference = format_reference(ctx.commune.reference_prefix, year, first + offset)
        proposal.search_text = search_text(proposal)
