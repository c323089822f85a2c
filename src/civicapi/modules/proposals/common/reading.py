"""Reading proposals: one proposal as the caller may see it, and lists with filters, sorts and keyset
pagination in a constant number of queries (the page, its authors, the component's states, the caller's
supports), whatever the page size."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import BigInteger, cast, literal
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import utcnow
from civicapi.core.errors import InvalidInput, NotFound, Unauthorized
from civicapi.core.i18n import fold
from civicapi.core.pagination import daily_seed, decode_cursor, encode_cursor, python_type
from civicapi.modules.proposals.common.events import DELETED_PARTICIPANT
from civicapi.modules.proposals.common.rules import (
    RANDOM_KEY_MODULUS,
    edit_deadline,
    edit_refusal,
    is_author,
)
from civicapi.modules.proposals.models import DRAFT, Proposal
from civicapi.modules.proposals.repository import (
    ProposalFilters,
    ProposalRepository,
    SortKey,
    SupportRepository,
)
from civicapi.modules.proposals.schemas import (
    AnswerRead,
    AuthorRead,
    ProposalRead,
    ProposalStatus,
    StateRef,
    SupportStatus,
)
from civicapi.modules.proposals.settings import ComponentContext
from civicapi.modules.proposals.states import StateInfo, catalogue

SORTS = ("published_at", "created_at", "supports_count", "random")
DEFAULT_SORT = "-published_at"
MAX_SEARCH_WORDS = 8


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who reads, and what they may see beyond the public view."""

    user_id: uuid.UUID | None
    may_official: bool = False
    """Holds ``proposals.official``: sees and edits official drafts."""
    sees_answers: bool = False
    """Holds ``proposals.answer``: sees held answers and hidden support counts."""


@dataclass(frozen=True, slots=True)
class ListQuery:
    filters: ProposalFilters
    mine: bool
    """Only the viewer's proposals."""
    supported: bool
    """Only the proposals the viewer supports."""
    sort: str | None
    seed: int | None
    limit: int
    cursor: str | None


# --- presentation ----------------------------------------------------------------------------------------


def _state_ref(token: str, states: Mapping[str, StateInfo]) -> StateRef:
    state = states.get(token)
    return StateRef(token=token, name=dict(state.name) if state else {})


def answer_read(proposal: Proposal, states: Mapping[str, StateInfo], *, sees_held: bool) -> AnswerRead | None:
    if proposal.answered_at is None or proposal.answer_state is None:
        return None
    if proposal.answer_published_at is None and not sees_held:
        return None
    return AnswerRead(
        state=_state_ref(proposal.answer_state, states),
        answer=proposal.answer_text,
        cost=proposal.cost,
        cost_explanation=proposal.cost_explanation,
        execution_period=proposal.execution_period,
        answered_at=proposal.answered_at,
        published_at=proposal.answer_published_at,
    )


def _tokens(proposals: Sequence[Proposal]) -> list[str | None]:
    """The state tokens these proposals show (published and answer states)."""
    return [t for p in proposals for t in (p.state, p.answer_state)]


def counts_visible(ctx: ComponentContext, viewer: Viewer) -> bool:
    return not ctx.step.supports_hidden or viewer.sees_answers


def to_read(
    ctx: ComponentContext,
    proposal: Proposal,
    *,
    viewer: Viewer,
    states: Mapping[str, StateInfo],
    my_support: bool | None,
) -> ProposalRead:
    """``my_support``: None when the viewer has not supported it, else whether their support counts."""
    may_edit = (
        viewer.may_official if proposal.official else is_author(proposal, viewer.user_id)
    ) and edit_refusal(ctx, proposal, now=utcnow()) is None
    deadline = edit_deadline(ctx, proposal) if may_edit and not proposal.official else None
    return ProposalRead(
        id=proposal.id,
        component_id=proposal.component_id,
        reference=proposal.reference,
        status=ProposalStatus(proposal.status),
        title=proposal.title,
        body=proposal.body,
        address=proposal.address,
        latitude=proposal.latitude,
        longitude=proposal.longitude,
        category=proposal.category,
        district=proposal.district,
        official=proposal.official,
        authors=[
            AuthorRead(
                user_id=a.user_id,
                name=a.display_name or DELETED_PARTICIPANT,
                deleted=not a.display_name and a.user_id is None,
            )
            for a in proposal.authorships
        ],
        state=_state_ref(proposal.state, states) if proposal.state else None,
        answer=answer_read(proposal, states, sees_held=viewer.sees_answers),
        supports_count=proposal.supports_count if counts_visible(ctx, viewer) else None,
        comments_count=proposal.comments_count,
        my_support=None
        if my_support is None
        else (SupportStatus.counted if my_support else SupportStatus.pending),
        editable=may_edit,
        editable_until=deadline,
        published_at=proposal.published_at,
        withdrawn_at=proposal.withdrawn_at,
        created_at=proposal.created_at,
        updated_at=proposal.updated_at,
    )


async def read_one(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, *, viewer: Viewer
) -> ProposalRead:
    states = await catalogue(session, ctx.commune_id, ctx.component_id, needed=_tokens([proposal]))
    mine: dict[uuid.UUID, bool] = {}
    if viewer.user_id is not None:
        mine = await SupportRepository(session, ctx.commune_id).statuses(viewer.user_id, [proposal.id])
    return to_read(ctx, proposal, viewer=viewer, states=states, my_support=mine.get(proposal.id))


# --- one and many ----------------------------------------------------------------------------------------


async def get_proposal(
    session: AsyncSession, ctx: ComponentContext, proposal_id: uuid.UUID, *, viewer: Viewer
) -> Proposal:
    """The proposal (authors loaded) of this component; a draft only for its authors (official drafts:
    for holders of ``proposals.official``); else 404."""
    proposal = await ProposalRepository(session, ctx.commune_id).get_in_component(
        ctx.component_id, proposal_id
    )
    if proposal is None:
        raise NotFound(f"proposal {proposal_id} not found")
    if proposal.status == DRAFT:
        visible = viewer.may_official if proposal.official else is_author(proposal, viewer.user_id)
        if not visible:
            raise NotFound(f"proposal {proposal_id} not found")
    return proposal


def search_words(text: str | None) -> list[str]:
    """The folded words of a text query (at most eight)."""
    if not text:
        return []
    return [w for w in fold(text).split() if w][:MAX_SEARCH_WORDS]


def _permutation(seed: int) -> tuple[int, int]:
    digest = hashlib.sha256(str(seed).encode()).digest()
    a = 1 + int.from_bytes(digest[:8], "big") % (RANDOM_KEY_MODULUS - 1)
    b = int.from_bytes(digest[8:16], "big") % RANDOM_KEY_MODULUS
    return a, b


def _invalid_sort(message: str, *, reason: str | None = None) -> InvalidInput:
    return InvalidInput(
        message,
        reason=reason,
        errors=[{"location": ["query", "sort"], "message": message, "code": reason or "invalid_sort"}],
    )


def sort_key(
    ctx: ComponentContext, viewer: Viewer, *, sort: str | None, seed: int | None, status: str
) -> SortKey:
    default = "-created_at" if status == DRAFT else DEFAULT_SORT
    wanted = sort or default
    name = wanted.lstrip("-")
    descending = wanted.startswith("-")
    if name not in SORTS or (name == "random" and descending):
        raise _invalid_sort(f"allowed sorts: {', '.join(SORTS)} (prefix '-' for descending, not random)")
    if name == "published_at" and status == DRAFT:
        raise _invalid_sort("drafts have no publication date; sort them by created_at")
    if name == "supports_count" and not counts_visible(ctx, viewer):
        raise _invalid_sort("support counts are hidden in the current phase", reason="supports_hidden")
    if name == "random":
        chosen = daily_seed() if seed is None else seed
        a, b = _permutation(chosen)
        expression = (cast(Proposal.random_key, BigInteger) * literal(a, BigInteger) + b) % RANDOM_KEY_MODULUS

        def shuffled(p: Proposal) -> int:
            return (p.random_key * a + b) % RANDOM_KEY_MODULUS

        return SortKey(f"random:{chosen}", expression, shuffled, descending=False)
    column = getattr(Proposal, name)

    def value(p: Proposal) -> Any:
        return getattr(p, name)

    return SortKey(wanted, column, value, descending=descending)


async def list_proposals(
    session: AsyncSession, ctx: ComponentContext, query: ListQuery, *, viewer: Viewer
) -> tuple[list[ProposalRead], str | None]:
    filters = query.filters
    official_drafts = filters.status == DRAFT and filters.official is True and viewer.may_official
    personal = query.mine or query.supported or (filters.status == DRAFT and not official_drafts)
    if personal:
        if viewer.user_id is None:
            raise Unauthorized("log in to list your drafts, your proposals or your supports")
        own = query.mine or (filters.status == DRAFT and not official_drafts)  # drafts: one's own only
        filters = replace(
            filters,
            mine_of=viewer.user_id if own else None,
            supported_by=viewer.user_id if query.supported else None,
        )
    sort = sort_key(ctx, viewer, sort=query.sort, seed=query.seed, status=filters.status)
    after = None
    if query.cursor:
        value, last_id = decode_cursor(query.cursor, sort.name, [python_type(sort.expression), uuid.UUID])
        after = (value, last_id)
    repo = ProposalRepository(session, ctx.commune_id)
    rows, last = await repo.page(
        repo.filtered(ctx.component_id, filters), sort=sort, limit=query.limit, after=after
    )
    states = await catalogue(session, ctx.commune_id, ctx.component_id, needed=_tokens(rows))
    mine: dict[uuid.UUID, bool] = {}
    if viewer.user_id is not None:
        mine = await SupportRepository(session, ctx.commune_id).statuses(viewer.user_id, [p.id for p in rows])
    items = [to_read(ctx, p, viewer=viewer, states=states, my_support=mine.get(p.id)) for p in rows]
    next_cursor = encode_cursor(sort.name, list(last)) if last is not None else None
    return items, next_cursor


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``min_lon,min_lat,max_lon,max_lat`` → a tuple; 422 when malformed or out of range."""
    if value is None:
        return None
    try:
        parts = tuple(float(p) for p in value.split(","))
        if len(parts) != 4:
            raise ValueError("four numbers")
        min_lon, min_lat, max_lon, max_lat = parts
        if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
            raise ValueError("out of range")
    except ValueError as exc:
        raise InvalidInput(
            "bbox is min_lon,min_lat,max_lon,max_lat with longitudes in [-180, 180] and latitudes in [-90, 90]",
            errors=[{"location": ["query", "bbox"], "message": str(exc), "code": "invalid_bbox"}],
        ) from exc
    return min_lon, min_lat, max_lon, max_lat


def parse_states(value: str | None) -> Sequence[str] | None:
    """Comma-separated state tokens; ``not_answered`` stands for proposals without a published state."""
    if value is None:
        return None
    tokens = [t.strip() for t in value.split(",") if t.strip()]
    return ["" if t == "not_answered" else t for t in tokens]
