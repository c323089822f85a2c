"""Paths and path resources of registrations: a registration of the meeting of the path (else 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from civicapi.communes.dependencies import Caller, CallerDep
from civicapi.core.deps import SessionDep
from civicapi.core.errors import NotFound, Unauthorized
from civicapi.modules.agenda.dependencies import MEETING, CurrentContext, CurrentMeeting
from civicapi.modules.agenda.models import Registration
from civicapi.modules.agenda.registrations.repository import RegistrationRepository

REGISTRATIONS = MEETING + "/registrations"
MINE = REGISTRATIONS + "/mine"
REGISTRATION = REGISTRATIONS + "/{registration_id}"
SETTINGS = MEETING + "/registration-settings"
CHECK_INS = MEETING + "/check-ins"
INVITES = MEETING + "/invites"
PARTICIPANTS = MEETING + "/participants"

RegistrationId = Annotated[uuid.UUID, Path(description="The registration's id.")]


async def authenticated(caller: CallerDep) -> Caller:
    """The caller, if authenticated; else 401 before any resource is looked up."""
    if not caller.authenticated:
        raise Unauthorized("authentication required")
    return caller


AuthenticatedCaller = Annotated[Caller, Depends(authenticated)]


async def valid_registration(
    registration_id: RegistrationId, meeting: CurrentMeeting, ctx: CurrentContext, session: SessionDep
) -> Registration:
    found = await RegistrationRepository(session, ctx.commune_id).in_meeting(meeting.id, registration_id)
    if found is None:
        raise NotFound(f"registration {registration_id} not found")
    return found


CurrentRegistration = Annotated[Registration, Depends(valid_registration)]
