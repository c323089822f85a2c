"""Path resources of the budgets module, validated once: the component (a budgets component of the
current commune that the caller may see, with its settings for today), a budget of it, a project of that
budget, a count run; and the callers of the routes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.communes.dependencies import Caller, CallerDep, require
from civicapi.communes.models import Commune
from civicapi.core.deps import SessionDep
from civicapi.core.errors import Unauthorized
from civicapi.identity.models import User
from civicapi.modules.budgets import permissions
from civicapi.modules.budgets.catalog import service
from civicapi.modules.budgets.exceptions import VoteForbidden
from civicapi.modules.budgets.models import Budget, CountRun, Project
from civicapi.modules.budgets.results import service as service_count
from civicapi.modules.budgets.settings import BudgetsComponentSettings, BudgetsStepSettings, ComponentContext
from civicapi.spaces import kit
from civicapi.spaces.dependencies import (
    ComponentId,
    ResolvedComponent,
    component_dependency,
    resolve_component,
)
from civicapi.spaces.models import Component, ParticipatoryProcess

KEY = "budgets"

BudgetId = Annotated[uuid.UUID, Path(description="The budget's id.")]
ProjectId = Annotated[uuid.UUID, Path(description="The project's id.")]
RunId = Annotated[uuid.UUID, Path(description="The count run's id.")]
IfMatch = Annotated[str | None, Header(description="ETag from a previous read; a stale one gets 412.")]

BudgetsComponent = Annotated[ResolvedComponent, Depends(component_dependency(KEY))]

ManageBudgets = Annotated[Caller, Depends(require(permissions.MANAGE))]
CountBudgets = Annotated[Caller, Depends(require(permissions.COUNT))]
PaperBallots = Annotated[Caller, Depends(require(permissions.PAPER_BALLOTS))]


async def get_context(resolved: BudgetsComponent) -> ComponentContext:
    return context_of(resolved)


def context_of(resolved: ResolvedComponent) -> ComponentContext:
    return make_context(
        resolved.caller.commune,
        resolved.component,
        resolved.process,
        resolved.settings,
        resolved.step_settings,
    )


def make_context(
    commune: Commune,
    component: Component,
    process: ParticipatoryProcess,
    settings: BaseModel,
    step: BaseModel,
) -> ComponentContext:
    """The context of a component whose settings for today are resolved (``resolve_settings``)."""
    return kit.component_context(
        commune, component, process, settings, step, types=(BudgetsComponentSettings, BudgetsStepSettings)
    )


CurrentContext = Annotated[ComponentContext, Depends(get_context)]
"""The budgets component of the path, with its settings for today."""


def person_of(caller: Caller) -> User:
    """The logged-in person (401 anonymous); API keys act for integrators, never vote (403)."""
    if caller.api_key is not None:
        raise VoteForbidden("API keys do not vote: people vote with their own token", reason="people_only")
    if caller.user is None:
        raise Unauthorized("authentication required")
    return caller.user


async def valid_budget(budget_id: BudgetId, ctx: CurrentContext, session: SessionDep) -> Budget:
    return await service.get_budget(session, ctx, budget_id)


CurrentBudget = Annotated[Budget, Depends(valid_budget)]


async def _in_budget(
    request: Request, session: AsyncSession, caller: Caller, component_id: uuid.UUID, budget_id: uuid.UUID
) -> tuple[ComponentContext, Budget]:
    ctx = context_of(await resolve_component(request, session, caller, component_id, KEY))
    return ctx, await service.get_budget_kept(session, ctx, budget_id)


@dataclass(frozen=True, slots=True)
class InBudget:
    """The component's context and a budget of it, resolved in one dependency."""

    ctx: ComponentContext
    budget: Budget


async def budget_scope(
    request: Request,
    component_id: ComponentId,
    budget_id: BudgetId,
    caller: CallerDep,
    session: SessionDep,
) -> InBudget:
    """The component (404), then the budget (404), for the public reads of a budget, in one dependency:
    FastAPI walks a dependency's whole subtree again at every place it is used, and separate budget and
    context dependencies walked the component's and the caller's twice."""
    ctx, budget = await _in_budget(request, session, caller, component_id, budget_id)
    return InBudget(ctx=ctx, budget=budget)


Browsing = Annotated[InBudget, Depends(budget_scope)]


@dataclass(frozen=True, slots=True)
class Vote:
    """What a person's ballot routes work on: the person, the component's context and the budget."""

    user: User
    ctx: ComponentContext
    budget: Budget


async def vote_scope(
    request: Request,
    component_id: ComponentId,
    budget_id: BudgetId,
    caller: CallerDep,
    session: SessionDep,
) -> Vote:
    """One dependency for the ballot routes, the busiest of a vote (see :func:`budget_scope`). Same checks,
    same order as separate dependencies: the person (401/403), the component (404), the budget (404)."""
    user = person_of(caller)
    ctx, budget = await _in_budget(request, session, caller, component_id, budget_id)
    return Vote(user=user, ctx=ctx, budget=budget)


Voting = Annotated[Vote, Depends(vote_scope)]


async def valid_project(project_id: ProjectId, budget: CurrentBudget, session: SessionDep) -> Project:
    return await service.get_project(session, budget, project_id)


CurrentProject = Annotated[Project, Depends(valid_project)]


async def valid_run(run_id: RunId, budget: CurrentBudget, session: SessionDep) -> CountRun:
    return await service_count.get_run(session, budget, run_id)


CurrentRun = Annotated[CountRun, Depends(valid_run)]

# Paths under the module's mount point, /v1/communes/{commune}/budgets.
COMPONENT = "/components/{component_id}"
BUDGETS = COMPONENT + "/budgets"
BUDGET = BUDGETS + "/{budget_id}"
PROJECTS = BUDGET + "/projects"
PROJECT = PROJECTS + "/{project_id}"
BALLOT = BUDGET + "/ballot"
RUNS = BUDGET + "/count-runs"
RUN = RUNS + "/{run_id}"


def budget_url(ctx: ComponentContext, budget_id: uuid.UUID) -> str:
    return ctx.url_of("budgets", budget_id)
