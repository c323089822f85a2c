"""Budgets and projects: administration and public reads. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.audit import diff, snapshot
from civicapi.core.db.memo import memoized, peek
from civicapi.core.db.session import Database
from civicapi.core.errors import NotFound
from civicapi.core.i18n import check_locales
from civicapi.core.pagination import PageParams
from civicapi.modules.budgets import audit_helpers as audit
from civicapi.modules.budgets.catalog import places
from civicapi.modules.budgets.catalog.repository import BudgetRepository, ProjectRepository
from civicapi.modules.budgets.catalog.schemas import (
    BudgetCreate,
    BudgetRead,
    BudgetUpdate,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    as_dict,
)
from civicapi.modules.budgets.exceptions import BudgetConflict
from civicapi.modules.budgets.models import CHECKED_OUT, SEALED, Budget, Project
from civicapi.modules.budgets.settings import ComponentContext, VotesState

T = TypeVar("T", Budget, Project)


def voting_open(ctx: ComponentContext, budget: Budget) -> bool:
    return ctx.step.votes is VotesState.enabled and budget.closed_at is None


def budget_read(ctx: ComponentContext, budget: Budget, projects_count: int) -> BudgetRead:
    return BudgetRead(
        id=budget.id,
        component_id=budget.component_id,
        title=budget.title,
        description=budget.description,
        total_amount=budget.total_amount,
        currency=budget.currency,
        district=budget.district,
        position=budget.position,
        origin=budget.origin,
        projects_count=projects_count,
        voting_open=voting_open(ctx, budget),
        closed_at=budget.closed_at,
        ballots_sha256=budget.ballots_sha256,
        sealing=budget.closed_at is not None and budget.ballots_sha256 is None,
        results_published_at=budget.results_published_at,
        created_at=budget.created_at,
        updated_at=budget.updated_at,
    )


async def read_budget(session: AsyncSession, ctx: ComponentContext, budget: Budget) -> BudgetRead:
    counts = await BudgetRepository(session, ctx.commune_id).projects_count([budget.id])
    return budget_read(ctx, budget, counts.get(budget.id, 0))


async def list_budgets(
    session: AsyncSession, ctx: ComponentContext, params: PageParams
) -> tuple[list[BudgetRead], str | None]:
    repo = BudgetRepository(session, ctx.commune_id)
    rows, cursor = await repo.page(ctx.component_id, params)
    counts = await repo.projects_count([b.id for b in rows])
    return [budget_read(ctx, b, counts.get(b.id, 0)) for b in rows], cursor


async def get_budget(session: AsyncSession, ctx: ComponentContext, budget_id: uuid.UUID) -> Budget:
    budget = await BudgetRepository(session, ctx.commune_id).in_component(ctx.component_id, budget_id)
    if budget is None:
        raise NotFound(f"budget {budget_id} not found")
    return budget


def _budget_key(ctx: ComponentContext, budget_id: uuid.UUID) -> tuple[object, ...]:
    return ("budgets.budget", ctx.commune_id, ctx.component_id, budget_id)


def kept_budget(db: Database, ctx: ComponentContext, budget_id: uuid.UUID) -> Budget | None:
    """:func:`get_budget_kept`'s budget if the row memo holds a valid copy (shared: read it, never change
    it), else None (the ballot lane leaves a miss to the route)."""
    return peek(db, _budget_key(ctx, budget_id), Budget)


async def get_budget_kept(session: AsyncSession, ctx: ComponentContext, budget_id: uuid.UUID) -> Budget:
    """:func:`get_budget` from the per-process row memo (:mod:`civicapi.core.db.memo`), for the routes a
    vote keeps busy: a person's ballot and the public reads. Another worker's change shows within
    ``CIVICAPI_ROW_CACHE_SECONDS``, this process's at once; whether the vote is still open is decided
    under the budget's lock when a ballot is cast (``BallotBox``), never from this copy. Admin routes
    read the budget itself (:func:`get_budget`)."""

    commune_id, component_id = ctx.commune_id, ctx.component_id  # the loader outlives the request

    async def load(own: AsyncSession) -> Budget | None:
        return await BudgetRepository(own, commune_id).in_component(component_id, budget_id)

    budget = await memoized(session, _budget_key(ctx, budget_id), load)
    if budget is None:
        raise NotFound(f"budget {budget_id} not found")
    return budget


async def get_project(session: AsyncSession, budget: Budget, project_id: uuid.UUID) -> Project:
    project = await ProjectRepository(session, budget.commune_id).in_budget(budget.id, project_id)
    if project is None:
        raise NotFound(f"project {project_id} not found")
    return project


def _check_texts(ctx: ComponentContext, **texts: dict[str, str] | None) -> None:
    for name, text in texts.items():
        check_locales(text, ctx.commune.locales, field=name)


async def _has_ballots(session: AsyncSession, ctx: ComponentContext, budget: Budget) -> bool:
    repo = BudgetRepository(session, ctx.commune_id)
    return await repo.ballots_count(budget.id, [CHECKED_OUT, SEALED]) > 0


async def create_budget(session: AsyncSession, ctx: ComponentContext, data: BudgetCreate) -> Budget:
    _check_texts(ctx, title=data.title, description=data.description)
    budget = BudgetRepository(session, ctx.commune_id).add(
        Budget(
            component_id=ctx.component_id,
            title=data.title,
            description=data.description or {},
            total_amount=data.total_amount,
            currency=data.currency,
            district=data.district,
            position=data.position,
        )
    )
    await session.flush()
    audit.record(
        session,
        commune_id=ctx.commune_id,
        kind="budget",
        id=budget.id,
        verb="create",
        changes=audit.created(budget, audit.BUDGET_FIELDS),
        public=ctx.public,
    )
    return budget


async def _apply_update(
    session: AsyncSession,
    ctx: ComponentContext,
    obj: T,
    changes: dict[str, Any],
    *,
    kind: str,
    fields: tuple[str, ...],
) -> T:
    """Apply checked ``changes`` (a null description becomes empty) and record the diff of ``fields``."""
    before = snapshot(obj, fields)
    for name, value in changes.items():
        setattr(obj, name, {} if name == "description" and value is None else value)
    await session.flush()
    audit.record(
        session,
        commune_id=ctx.commune_id,
        kind=kind,
        id=obj.id,
        verb="update",
        changes=diff(before, snapshot(obj, fields)),
        public=ctx.public,
    )
    return obj


async def update_budget(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, data: BudgetUpdate
) -> Budget:
    changes = as_dict(data)
    _check_texts(ctx, title=changes.get("title"), description=changes.get("description"))
    for name in ("title", "total_amount", "currency", "position"):  # null leaves them as they are
        if name in changes and changes[name] is None:
            changes.pop(name)
    if {"total_amount", "currency", "district"} & set(changes):
        if budget.closed_at is not None:
            raise BudgetConflict(
                "the vote is closed: its amount and district are final", reason="vote_closed"
            )
        if "total_amount" in changes and await _has_ballots(session, ctx, budget):
            raise BudgetConflict("ballots were cast against this amount", reason="has_ballots")
    return await _apply_update(session, ctx, budget, changes, kind="budget", fields=audit.BUDGET_FIELDS)


async def delete_budget(session: AsyncSession, ctx: ComponentContext, budget: Budget) -> None:
    if await _has_ballots(session, ctx, budget):
        raise BudgetConflict("ballots were cast in this budget: it cannot be deleted", reason="has_ballots")
    audit.record(
        session,
        commune_id=ctx.commune_id,
        kind="budget",
        id=budget.id,
        verb="delete",
        changes=audit.deleted(budget, audit.BUDGET_FIELDS),
        public=ctx.public,
    )
    projects = await ProjectRepository(session, ctx.commune_id).all_of_budget(budget.id)
    await places.remove(session, ctx.commune_id, [p.id for p in projects])
    await session.delete(budget)
    await session.flush()


# --- projects --------------------------------------------------------------------------------------------


def project_read(project: Project, *, votes: int | None, proposal_ids: Sequence[uuid.UUID]) -> ProjectRead:
    return ProjectRead(
        id=project.id,
        budget_id=project.budget_id,
        number=project.number,
        code=project.code,
        title=project.title,
        description=project.description,
        cost=project.cost,
        address=project.address,
        latitude=project.latitude,
        longitude=project.longitude,
        category=project.category,
        position=project.position,
        selected=project.selected,
        votes=votes,
        proposal_ids=list(proposal_ids),
        created_at=project.created_at,
        updated_at=project.updated_at,
    )


def votes_visible(ctx: ComponentContext, budget: Budget) -> bool:
    return ctx.step.show_votes or budget.results_published_at is not None


async def project_reads(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, projects: Sequence[Project]
) -> list[ProjectRead]:
    """Reads of ``projects`` with their votes (when visible) and proposal links, in two queries."""
    repo = ProjectRepository(session, ctx.commune_id)
    counts = await repo.vote_counts(budget.id) if votes_visible(ctx, budget) else None
    links = await repo.proposal_links([p.id for p in projects])
    return [
        project_read(
            p,
            votes=None if counts is None else counts.get(p.id, 0),
            proposal_ids=links.get(p.id, []),
        )
        for p in projects
    ]


async def list_projects(
    session: AsyncSession,
    ctx: ComponentContext,
    budget: Budget,
    params: PageParams,
    *,
    category: str | None,
    selected: bool | None,
    seed: int | None = None,
) -> tuple[list[ProjectRead], str | None]:
    rows, cursor = await ProjectRepository(session, ctx.commune_id).page(
        budget.id, params, category=category, selected=selected, seed=seed
    )
    return await project_reads(session, ctx, budget, rows), cursor


async def read_project(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, project: Project
) -> ProjectRead:
    return (await project_reads(session, ctx, budget, [project]))[0]


def _refuse_when_closed(budget: Budget) -> None:
    if budget.closed_at is not None:
        raise BudgetConflict("the vote is closed: its projects are final", reason="vote_closed")


async def create_project(
    session: AsyncSession,
    ctx: ComponentContext,
    budget: Budget,
    data: ProjectCreate,
    *,
    source_proposal_id: uuid.UUID | None = None,
) -> Project:
    _refuse_when_closed(budget)
    _check_texts(ctx, title=data.title, description=data.description)
    repo = ProjectRepository(session, ctx.commune_id)
    project = repo.add(
        Project(
            component_id=budget.component_id,
            budget_id=budget.id,
            number=await repo.next_number(budget.id),
            title=data.title,
            description=data.description or {},
            cost=data.cost,
            address=data.address,
            latitude=data.latitude,
            longitude=data.longitude,
            category=data.category,
            position=data.position,
            source_proposal_id=source_proposal_id,
        )
    )
    await session.flush()
    await places.sync(session, [project])
    audit.record(
        session,
        commune_id=ctx.commune_id,
        kind="project",
        id=project.id,
        verb="create",
        changes=audit.created(project, audit.PROJECT_FIELDS),
        public=ctx.public,
    )
    return project


async def update_project(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, project: Project, data: ProjectUpdate
) -> Project:
    _refuse_when_closed(budget)
    changes = as_dict(data)
    _check_texts(ctx, title=changes.get("title"), description=changes.get("description"))
    for name in ("title", "cost", "position"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    repo = ProjectRepository(session, ctx.commune_id)
    if "cost" in changes and changes["cost"] != project.cost and await repo.has_votes(project.id):
        raise BudgetConflict("the project is on ballots: its cost cannot change", reason="has_ballots")
    await _apply_update(session, ctx, project, changes, kind="project", fields=audit.PROJECT_FIELDS)
    await places.sync(session, [project])
    return project


async def delete_project(
    session: AsyncSession, ctx: ComponentContext, budget: Budget, project: Project
) -> None:
    _refuse_when_closed(budget)
    if await ProjectRepository(session, ctx.commune_id).has_votes(project.id):
        raise BudgetConflict("the project is on ballots: it cannot be deleted", reason="has_ballots")
    audit.record(
        session,
        commune_id=ctx.commune_id,
        kind="project",
        id=project.id,
        verb="delete",
        changes=audit.deleted(project, audit.PROJECT_FIELDS),
        public=ctx.public,
    )
    await places.remove(session, ctx.commune_id, [project.id])
    await session.delete(project)
    await session.flush()
