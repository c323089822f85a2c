"""HTTP routes of proposals: list, create, read, edit, publish, withdraw, delete drafts, co-authors."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.etag import check_if_match, etag_for
from civicapi.core.pagination import Page, PageParams, set_link_header, sorted_by
from civicapi.core.routing import GuardedRouter
from civicapi.modules.proposals.common import reading
from civicapi.modules.proposals.common.reading import ListQuery, Viewer
from civicapi.modules.proposals.dependencies import (
    PROPOSAL,
    PROPOSALS,
    AuthenticatedCaller,
    CurrentContext,
    CurrentProposal,
    UserId,
    ViewerDep,
)
from civicapi.modules.proposals.lifecycle import service
from civicapi.modules.proposals.models import Proposal
from civicapi.modules.proposals.repository import ProposalFilters
from civicapi.modules.proposals.schemas import (
    AuthorRead,
    CoauthorCreate,
    ProposalCreate,
    ProposalRead,
    ProposalStatus,
    ProposalUpdate,
)
from civicapi.modules.proposals.settings import ComponentContext

router = GuardedRouter()

IfMatch = Annotated[str | None, Header(description="ETag from a previous read; a stale one gets 412.")]


async def _read(
    session: AsyncSession, ctx: ComponentContext, proposal: Proposal, viewer: Viewer, response: Response
) -> ProposalRead:
    response.headers["ETag"] = etag_for(proposal.id, proposal.updated_at)
    return await reading.read_one(session, ctx, proposal, viewer=viewer)


@router.get(
    PROPOSALS,
    operation_id="proposals_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="List proposals, filtered and sorted",
    responses=problem_responses(401, 404, 422),
)
async def list_proposals(
    request: Request,
    response: Response,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    page: Annotated[
        PageParams,
        Depends(
            sorted_by(
                "published_at", "created_at", "supports_count", default="-published_at", also=("random",)
            )
        ),
    ],
    status_: Annotated[
        ProposalStatus,
        Query(alias="status", description="`draft` lists the caller's own drafts."),
    ] = ProposalStatus.published,
    state: Annotated[
        str | None,
        Query(
            max_length=400, description="Comma-separated state tokens; `not_answered` for no published state."
        ),
    ] = None,
    author: Annotated[uuid.UUID | None, Query(description="Proposals this person (co-)authored.")] = None,
    category: Annotated[str | None, Query(max_length=60)] = None,
    district: Annotated[str | None, Query(max_length=60)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Words searched in titles, bodies, references.")
    ] = None,
    bbox: Annotated[
        str | None, Query(max_length=100, description="`min_lon,min_lat,max_lon,max_lat` (WGS 84).")
    ] = None,
    official: Annotated[bool | None, Query(description="Only official (true) or residents' (false).")] = None,
    mine: Annotated[bool, Query(description="Only the caller's proposals.")] = False,
    supported: Annotated[bool, Query(description="Only proposals the caller supports.")] = False,
    seed: Annotated[
        int | None,
        Query(ge=0, le=2**31, description="With `sort=random`: the shuffle (default: changes daily)."),
    ] = None,
) -> Page[ProposalRead]:
    """Sorts: `-published_at` (default), `published_at`, `-supports_count` (refused while counts are
    hidden), `supports_count`, `created_at`, `random` (a stable shuffle: paging never repeats items)."""
    filters = ProposalFilters(
        status=status_.value,
        states=reading.parse_states(state),
        author_id=author,
        category=category,
        district=district,
        words=reading.search_words(q),
        bbox=reading.parse_bbox(bbox),
        official=official,
    )
    query = ListQuery(
        filters=filters,
        mine=mine,
        supported=supported,
        sort=page.sort,
        seed=seed,
        limit=page.limit,
        cursor=page.cursor,
    )
    items, cursor = await reading.list_proposals(session, ctx, query, viewer=viewer)
    set_link_header(request, response, cursor)
    return Page(items=items, next_cursor=cursor)


@router.post(
    PROPOSALS,
    operation_id="proposals_create",
    summary="Create a proposal (a draft, visible to its authors only)",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_proposal(
    caller: AuthenticatedCaller,
    body: ProposalCreate,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
) -> ProposalRead:
    proposal = await service.create_proposal(
        session, ctx, body, user=caller.user, may_official=viewer.may_official
    )
    response.headers["Location"] = ctx.url_of("proposals", proposal.id)
    return await _read(session, ctx, proposal, viewer, response)


@router.get(
    PROPOSAL,
    operation_id="proposals_get",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="One proposal",
    responses=problem_responses(404),
)
async def get_proposal(
    proposal: CurrentProposal, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep, response: Response
) -> ProposalRead:
    return await _read(session, ctx, proposal, viewer, response)


@router.patch(
    PROPOSAL,
    operation_id="proposals_update",
    summary="Edit a proposal (authors: a draft, or published within the edit window)",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_proposal(
    caller: AuthenticatedCaller,
    body: ProposalUpdate,
    proposal: CurrentProposal,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProposalRead:
    await check_if_match(session, proposal, if_match)
    proposal = await service.update_proposal(
        session, ctx, proposal, body, user=caller.user, may_official=viewer.may_official
    )
    return await _read(session, ctx, proposal, viewer, response)


@router.delete(
    PROPOSAL,
    operation_id="proposals_delete",
    summary="Delete a draft (published proposals are withdrawn instead)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def delete_proposal(
    caller: AuthenticatedCaller,
    proposal: CurrentProposal,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
) -> None:
    await service.delete_draft(session, ctx, proposal, user=caller.user, may_official=viewer.may_official)


@router.post(
    PROPOSAL + "/publish",
    operation_id="proposals_publish",
    summary="Publish a draft: it gets its reference and everyone sees it",
    responses=problem_responses(401, 403, 404, 409),
)
async def publish_proposal(
    caller: AuthenticatedCaller,
    proposal: CurrentProposal,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
) -> ProposalRead:
    proposal = await service.publish_proposal(
        session, ctx, proposal, user=caller.user, may_official=viewer.may_official
    )
    return await _read(session, ctx, proposal, viewer, response)


@router.post(
    PROPOSAL + "/withdraw",
    operation_id="proposals_withdraw",
    summary="Withdraw a published proposal (its authors)",
    responses=problem_responses(401, 403, 404, 409),
)
async def withdraw_proposal(
    caller: AuthenticatedCaller,
    proposal: CurrentProposal,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
    response: Response,
) -> ProposalRead:
    proposal = await service.withdraw_proposal(session, ctx, proposal, user=caller.user)
    return await _read(session, ctx, proposal, viewer, response)


@router.post(
    PROPOSAL + "/authors",
    operation_id="proposals_authors_add",
    summary="Add a co-author (an author, while the proposal is editable)",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def add_coauthor(
    caller: AuthenticatedCaller,
    body: CoauthorCreate,
    proposal: CurrentProposal,
    ctx: CurrentContext,
    session: SessionDep,
) -> AuthorRead:
    authorship = await service.add_coauthor(session, ctx, proposal, body, user=caller.user)
    return AuthorRead(user_id=authorship.user_id, name=authorship.display_name)


@router.delete(
    PROPOSAL + "/authors/{user_id}",
    operation_id="proposals_authors_remove",
    summary="Remove a co-author, or leave the authors (a proposal keeps at least one)",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409),
)
async def remove_author(
    caller: AuthenticatedCaller,
    user_id: UserId,
    proposal: CurrentProposal,
    ctx: CurrentContext,
    session: SessionDep,
) -> None:
    await service.remove_author(session, ctx, proposal, user_id, user=caller.user)
