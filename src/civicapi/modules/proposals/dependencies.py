"""Path resources of the proposals module, validated once: the component (a proposals component of the
current commune that the caller may see, with its settings for today) and a proposal of it (404 when it
is not there, belongs to another commune or component, or is someone else's draft)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Path

from civicapi.communes.dependencies import Caller, CallerDep
from civicapi.core.deps import SessionDep
from civicapi.core.errors import Unauthorized
from civicapi.modules.proposals import permissions
from civicapi.modules.proposals.common.reading import Viewer, get_proposal
from civicapi.modules.proposals.models import Proposal
from civicapi.modules.proposals.settings import (
    ComponentContext,
    ProposalsComponentSettings,
    ProposalsStepSettings,
)
from civicapi.spaces.dependencies import ResolvedComponent, component_dependency, context_dependency

KEY = "proposals"

ProposalId = Annotated[uuid.UUID, Path(description="The proposal's id.")]
UserId = Annotated[uuid.UUID, Path(description="The person's account id.")]
StateTokenPath = Annotated[str, Path(description="The state's token, e.g. `feasible`.", max_length=40)]

ProposalsComponent = Annotated[ResolvedComponent, Depends(component_dependency(KEY))]


def viewer_of(caller: Caller) -> Viewer:
    return Viewer(
        user_id=caller.user.id if caller.user is not None else None,
        may_official=caller.can(permissions.OFFICIAL),
        sees_answers=caller.can(permissions.ANSWER),
    )


get_context = context_dependency(KEY, (ProposalsComponentSettings, ProposalsStepSettings))


CurrentContext = Annotated[ComponentContext, Depends(get_context)]
"""The proposals component of the path, with its settings for today."""


async def authenticated(caller: CallerDep) -> Caller:
    """The caller, if authenticated (a person or an API key); else 401 before any resource is looked up."""
    if not caller.authenticated:
        raise Unauthorized("authentication required")
    return caller


AuthenticatedCaller = Annotated[Caller, Depends(authenticated)]


async def get_viewer(caller: CallerDep) -> Viewer:
    return viewer_of(caller)


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


async def valid_proposal(
    proposal_id: ProposalId, ctx: CurrentContext, viewer: ViewerDep, session: SessionDep
) -> Proposal:
    return await get_proposal(session, ctx, proposal_id, viewer=viewer)


CurrentProposal = Annotated[Proposal, Depends(valid_proposal)]


# Paths under the module's mount point, /v1/communes/{commune}/proposals.
COMPONENT = "/components/{component_id}"
PROPOSALS = COMPONENT + "/proposals"
PROPOSAL = PROPOSALS + "/{proposal_id}"
