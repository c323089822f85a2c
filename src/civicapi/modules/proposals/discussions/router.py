"""HTTP route of the discussions: where a proposal was discussed (routers do HTTP only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response

from civicapi.core.cache import PUBLIC_WHEN_ANONYMOUS
from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.pagination import Order, Page, PageParams, in_order, memory_page
from civicapi.core.routing import GuardedRouter
from civicapi.modules.proposals.dependencies import PROPOSAL, CurrentContext, CurrentProposal
from civicapi.modules.proposals.discussions import service
from civicapi.modules.proposals.schemas import DiscussionRead

router = GuardedRouter()

BY_START = Order("start_at", lambda d: (d.start_at, d.meeting_id), (datetime, uuid.UUID), descending=True)


@router.get(
    PROPOSAL + "/meetings",
    operation_id="proposals_meetings_list",
    dependencies=[PUBLIC_WHEN_ANONYMOUS],
    summary="Meetings where the proposal was discussed (from their public closing), the latest first",
    responses=problem_responses(404, 422),
)
async def list_meetings(
    proposal: CurrentProposal,
    ctx: CurrentContext,
    session: SessionDep,
    page: Annotated[PageParams, Depends(in_order(BY_START))],
    request: Request,
    response: Response,
) -> Page[DiscussionRead]:
    rows = await service.list_discussions(session, ctx, proposal)
    return memory_page(request, response, rows, page, BY_START)
