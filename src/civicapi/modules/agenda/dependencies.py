"""Path resources of the agenda module, validated once: the component (an agenda component of the
current commune that the caller may see); and the paths and permissions of the routes.

Each use case (``meetings/``, ``registrations/``, ``calendars/``, ``closing/``) adds the dependencies of
its own resources in its own package."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from civicapi.communes.dependencies import Caller, require
from civicapi.core.deps import SessionDep
from civicapi.core.errors import Unauthorized
from civicapi.modules.agenda import permissions
from civicapi.modules.agenda.common.reading import Viewer, get_meeting, viewer_of
from civicapi.modules.agenda.models import Meeting
from civicapi.modules.agenda.settings import AgendaComponentSettings, AgendaStepSettings, ComponentContext
from civicapi.spaces.dependencies import ResolvedComponent, component_dependency, context_dependency

KEY = "agenda"

MeetingId = Annotated[uuid.UUID, Path(description="The meeting's id.")]

AgendaComponent = Annotated[ResolvedComponent, Depends(component_dependency(KEY))]

ManageMeetings = Annotated[Caller, Depends(require(permissions.MANAGE))]
ManageRegistrations = Annotated[Caller, Depends(require(permissions.REGISTRATIONS))]
CheckIn = Annotated[Caller, Depends(require(permissions.CHECK_IN))]


get_context = context_dependency(KEY, (AgendaComponentSettings, AgendaStepSettings))


CurrentContext = Annotated[ComponentContext, Depends(get_context)]
"""The agenda component of the path."""

# Paths under the module's mount point, /v1/communes/{commune}/agenda.
COMPONENT = "/components/{component_id}"
MEETINGS = COMPONENT + "/meetings"
MEETING = MEETINGS + "/{meeting_id}"
DIRECTORY = "/meetings"
"""The commune's directory of meetings, across processes and components."""


async def get_viewer(resolved: AgendaComponent) -> Viewer:
    return viewer_of(resolved.caller)


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


async def valid_meeting(
    meeting_id: MeetingId, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep
) -> Meeting:
    return await get_meeting(session, ctx, meeting_id, viewer=viewer)


CurrentMeeting = Annotated[Meeting, Depends(valid_meeting)]
"""The meeting of the path, if the caller may see it (``common.reading``); else 404."""


async def signed_in(resolved: AgendaComponent) -> Caller:
    """The caller, if authenticated (a person or an API key); else 401 before the meeting is looked up."""
    if not resolved.caller.authenticated:
        raise Unauthorized("authentication required")
    return resolved.caller


SignedIn = Annotated[Caller, Depends(signed_in)]
