"""HTTP routes of the agenda's closing (see the package's docstring); routers do HTTP only."""

from __future__ import annotations

from civicapi.core.deps import SessionDep
from civicapi.core.errors import problem_responses
from civicapi.core.routing import GuardedRouter
from civicapi.modules.agenda.closing import service
from civicapi.modules.agenda.closing.schemas import ClosingRead, ClosingWrite
from civicapi.modules.agenda.dependencies import MEETING, CurrentContext, CurrentMeeting, SignedIn, ViewerDep

router = GuardedRouter()

CLOSING = MEETING + "/closing"


@router.put(
    CLOSING,
    operation_id="agenda_closing_put",
    summary="Close a meeting that has started, or edit its closing (staff, or the author of a "
    "participant's meeting)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def put_closing(
    data: ClosingWrite,
    _caller: SignedIn,
    meeting: CurrentMeeting,
    ctx: CurrentContext,
    viewer: ViewerDep,
    session: SessionDep,
) -> ClosingRead:
    return await service.close_meeting(session, ctx, meeting, data, viewer=viewer)


@router.get(
    CLOSING,
    operation_id="agenda_closing_get",
    summary="A meeting's closing and the proposals it discussed (404 until closed, or when not visible)",
    responses=problem_responses(404),
)
async def get_closing(
    meeting: CurrentMeeting, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep
) -> ClosingRead:
    return await service.read_closing(session, ctx, meeting, viewer=viewer)
