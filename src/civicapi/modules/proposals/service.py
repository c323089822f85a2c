"""Proposal lifecycle: create (a draft), edit, publish, withdraw, delete a draft.

Services flush and never commit; each command records its audit entry in the same unit of work, and
publishing records the ``proposals.published`` event (delivered after the commit). Who may do what:

* authors edit their draft at any time, and a published proposal during the component's edit window
  while no answer is published; they publish and withdraw it (co-authors: ``service_authors``);
* holders of ``proposals.official`` create and edit official proposals (authored by the commune), as long
  as those have no support.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.audit import diff, snapshot
from civicapi.core.db.base import utcnow
from civicapi.core.errors import Forbidden, InvalidInput, Unauthorized
from civicapi.core.i18n import check_locales
from civicapi.identity.models import User
from civicapi.identity.verification.requirements import (
    ActionRequirement,
    RequirementStatus,
    check_requirements,
)
from civicapi.modules.proposals import audit_helpers as trail
from civicapi.modules.proposals import service_events as events
from civicapi.modules.proposals.exceptions import ProposalActionForbidden, ProposalConflict
from civicapi.modules.proposals.models import DRAFT, PUBLISHED, WITHDRAWN, Authorship, Proposal
from civicapi.modules.proposals.permissions import OFFICIAL
from civicapi.modules.proposals.repository import (
    ParticipationRepository,
    ProposalRepository,
    ReferenceCounterRepository,
)
from civicapi.modules.proposals.schemas import ProposalCreate, ProposalUpdate
from civicapi.modules.proposals.settings import ComponentContext

RANDOM_KEY_MODULUS = 2_147_483_647
"""A prime: ``sort=random`` orders by ``(random_key * a + b) mod p``, a permutation for every seed."""
CONTENT_FIELDS = ("title", "body", "address", "latitude", "longitude", "category", "district")
AUDIT_FIELDS = (*CONTENT_FIELDS, "official", "status")


# --- shared helpers --------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case- and accent-insensitive form used by the text search ("Église" → "eglise")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


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
    if not requirements:
        return
    result = await check_requirements(
        session, commune_id=ctx.commune_id, user_id=user_id, requirements=requirements, today=ctx.today
    )
    if result.status is not RequirementStatus.ok:
        raise ProposalActionForbidden(
            f"verification required: {result.reason}",
            reason="requirements_not_met",
            requirement=result.model_dump(mode="json", exclude={"results", "metadata"}),
        )


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


def _require_creation_open(ctx: ComponentContext) -> None:
    if not ctx.step.creation_enabled:
        raise ProposalActionForbidden(
            "the current phase does not accept proposals", reason="creation_disabled"
        )


def _require_official_allowed(ctx: ComponentContext, may_official: bool) -> None:
    if not ctx.settings.official_proposals_enabled:
        raise ProposalActionForbidden(
            "official proposals are disabled in this component", reason="official_proposals_disabled"
        )
    if not may_official:
        raise Forbidden(f"missing permission {OFFICIAL!r} in this commune", permission=OFFICIAL)


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


# --- commands --------------------------------------------------------------------------------------------


async def create_proposal(
    session: AsyncSession,
    ctx: ComponentContext,
    data: ProposalCreate,
    *,
    user: User | None,
    may_official: bool,
) -> Proposal:
    """A new draft, authored by ``user`` (or by the commune when ``data.official``)."""
    _require_creation_open(ctx)
    if data.official:
        _require_official_allowed(ctx, may_official)
    else:
        user = require_user(user)
        await check_action_requirements(session, ctx, user.id, ctx.settings.create_requirements)
    check_content(ctx, data.model_dump())
    if not data.official:
        assert user is not None
        participation = ParticipationRepository(session, ctx.commune_id)
        await participation.ensure(ctx.component_id, user.id)
        limit = ctx.settings.proposal_limit or None
        count = await participation.change(
            ctx.component_id, user.id, field="proposals_count", by=1, limit=limit
        )
        if count is None:
            raise ProposalConflict(
                f"you reached this component's limit of {limit} proposal(s)",
                reason="proposal_limit_reached",
                limit=limit,
            )
    proposal = Proposal(
        component_id=ctx.component_id,
        status=DRAFT,
        title=data.title,
        body=data.body,
        address=data.address,
        latitude=data.latitude,
        longitude=data.longitude,
        category=data.category,
        district=data.district,
        official=data.official,
        created_by_id=None if data.official or user is None else user.id,
        random_key=random.randrange(RANDOM_KEY_MODULUS),
        authorships=[]
        if data.official or user is None
        else [Authorship(commune_id=ctx.commune_id, user_id=user.id, display_name=user.display_name)],
    )
    proposal.search_text = search_text(proposal)
    ProposalRepository(session, ctx.commune_id).add(proposal)
    await session.flush()
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="create",
        changes=trail.created(proposal, AUDIT_FIELDS),
    )
    return proposal


async def update_proposal(
    session: AsyncSession,
    ctx: ComponentContext,
    proposal: Proposal,
    data: ProposalUpdate,
    *,
    user: User | None,
    may_official: bool,
) -> Proposal:
    require_author(proposal, user, may_official)
    refusal = edit_refusal(ctx, proposal, now=utcnow())
    if refusal is not None:
        raise refusal
    changes = data.model_dump(exclude_unset=True)
    nulls = sorted(k for k in ("title", "body") if k in changes and changes[k] is None)
    if nulls:
        raise InvalidInput(
            f"{', '.join(nulls)} cannot be null",
            errors=[field_error(["body", k], "cannot be null", "null") for k in nulls],
        )
    latitude = changes.get("latitude", proposal.latitude)
    longitude = changes.get("longitude", proposal.longitude)
    if (latitude is None) != (longitude is None):
        raise InvalidInput(
            "give latitude and longitude together, or neither",
            errors=[field_error(["body", "latitude"], "latitude and longitude go together", "coordinates")],
        )
    check_content(ctx, changes)
    before = snapshot(proposal, list(changes))
    for key, value in changes.items():
        setattr(proposal, key, value)
    proposal.search_text = search_text(proposal)
    proposal.updated_at = utcnow()
    await session.flush()
    changed = diff(before, snapshot(proposal, list(changes)))
    if changed:
        trail.record(
            session,
            commune_id=ctx.commune_id,
            kind="proposal",
            id=proposal.id,
            verb="update",
            changes=changed,
            public=proposal.status == PUBLISHED,
        )
    return proposal


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


async def publish_proposal(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, *, user: User | None, may_official: bool
) -> Proposal:
    require_author(proposal, user, may_official)
    if proposal.status != DRAFT:
        raise ProposalConflict("only a draft can be published", reason="not_a_draft")
    _require_creation_open(ctx)
    now = utcnow()
    await assign_references(session, ctx, [proposal])
    proposal.status = PUBLISHED
    proposal.published_at = proposal.updated_at = now
    await session.flush()
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="publish",
        changes={"status": [DRAFT, PUBLISHED], "reference": [None, proposal.reference]},
        public=True,
    )
    events.published(session, ctx, proposal)
    return proposal


async def withdraw_proposal(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, *, user: User | None
) -> Proposal:
    if proposal.official:
        raise ProposalActionForbidden("official proposals are not withdrawn", reason="not_an_author")
    require_author(proposal, user, False)
    if proposal.status != PUBLISHED:
        raise ProposalConflict("only a published proposal can be withdrawn", reason="not_published")
    if proposal.answer_published_at is not None:
        raise ProposalConflict("the proposal has a published answer", reason="answer_published")
    now = utcnow()
    proposal.status = WITHDRAWN
    proposal.withdrawn_at = proposal.updated_at = now
    await _release_slot(session, ctx, proposal)
    await session.flush()
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="withdraw",
        changes={"status": [PUBLISHED, WITHDRAWN]},
        public=True,
    )
    events.withdrawn(session, ctx, proposal)
    return proposal


async def _release_slot(session: AsyncSession, ctx: ComponentContext, proposal: Proposal) -> None:
    """Give the creator back the proposal this one took from their limit (even if they left its authors)."""
    if proposal.created_by_id is not None:
        await ParticipationRepository(session, ctx.commune_id).change(
            ctx.component_id, proposal.created_by_id, field="proposals_count", by=-1
        )


async def delete_draft(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, *, user: User | None, may_official: bool
) -> None:
    require_author(proposal, user, may_official)
    if proposal.status != DRAFT:
        raise ProposalConflict("only a draft can be deleted; withdraw it instead", reason="not_a_draft")
    await _release_slot(session, ctx, proposal)
    trail.record(
        session,
        commune_id=ctx.commune_id,
        kind="proposal",
        id=proposal.id,
        verb="delete",
        changes={"title": [proposal.title, None]},
    )
    await session.delete(proposal)
    await session.flush()
