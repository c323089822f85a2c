"""Path resources of the accountability module, validated once: the component (an accountability component
of the current commune that the caller may see), a status or result of it, a milestone of that result;
and the permissions of the routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Path

from civicapi.communes.dependencies import Caller, require
from civicapi.core.deps import SessionDep
from civicapi.modules.accountability import permissions, service, service_milestones, service_statuses
from civicapi.modules.accountability.models import Milestone, Result, Status
from civicapi.modules.accountability.settings import (
    AccountabilityComponentSettings,
    AccountabilityStepSettings,
    ComponentContext,
)
from civicapi.spaces.dependencies import ResolvedComponent, component_dependency, context_dependency

KEY = "accountability"

StatusId = Annotated[uuid.UUID, Path(description="The status's id.")]
ResultId = Annotated[uuid.UUID, Path(description="The result's id.")]
MilestoneId = Annotated[uuid.UUID, Path(description="The milestone's id.")]
ProposalId = Annotated[uuid.UUID, Path(description="A proposal's id (of the proposals module).")]
IfMatch = Annotated[str | None, Header(description="ETag from a previous read; a stale one gets 412.")]

AccountabilityComponent = Annotated[ResolvedComponent, Depends(component_dependency(KEY))]

ManageResults = Annotated[Caller, Depends(require(permissions.MANAGE))]
ReportProgress = Annotated[Caller, Depends(require(permissions.PROGRESS))]
ImportResults = Annotated[Caller, Depends(require(permissions.IMPORT))]


get_context = context_dependency(KEY, (AccountabilityComponentSettings, AccountabilityStepSettings))


CurrentContext = Annotated[ComponentContext, Depends(get_context)]
"""The accountability component of the path."""


async def valid_status(status_id: StatusId, ctx: CurrentContext, session: SessionDep) -> Status:
    return await service_statuses.get_status(session, ctx, status_id)


CurrentStatus = Annotated[Status, Depends(valid_status)]


async def valid_result(result_id: ResultId, ctx: CurrentContext, session: SessionDep) -> Result:
    return await service.get_result(session, ctx, result_id)


CurrentResult = Annotated[Result, Depends(valid_result)]


async def valid_milestone(
    milestone_id: MilestoneId, result: CurrentResult, ctx: CurrentContext, session: SessionDep
) -> Milestone:
    return await service_milestones.get_milestone(session, ctx, result, milestone_id)


CurrentMilestone = Annotated[Milestone, Depends(valid_milestone)]

# Paths under the module's mount point, /v1/communes/{commune}/accountability.
COMPONENT = "/components/{component_id}"
STATUSES = COMPONENT + "/statuses"
STATUS = STATUSES + "/{status_id}"
RESULTS = COMPONENT + "/results"
RESULT = RESULTS + "/{result_id}"
MILESTONES = RESULT + "/milestones"
MILESTONE = MILESTONES + "/{milestone_id}"


def component_url(ctx: ComponentContext) -> str:
    return ctx.url
