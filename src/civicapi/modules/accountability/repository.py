"""SQL of statuses, results, milestones and budget-project candidates, scoped to one commune."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, select

from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.core.links import ResourceLink
from civicapi.core.pagination import PageParams, keyset_page
from civicapi.modules.accountability.models import Milestone, ProjectCandidate, Result, Status
from civicapi.spaces.models import Component, ParticipatoryProcess

MODULE = "accountability"
PROJECT_LINK = "included_projects"
"""``accountability/result --included_projects--> budgets/project``."""
PROPOSAL_LINK = "included_proposals"
"""``accountability/result --included_proposals--> proposals/proposal``."""


class StatusRepository(CommuneScopedRepository[Status]):
    model = Status
    resource_name = "status"

    def of_component(self, component_id: uuid.UUID) -> Select[Any]:
        return self.base_statement().where(Status.component_id == component_id)

    async def all_of_component(self, component_id: uuid.UUID) -> list[Status]:
        return await self.all(self.of_component(component_id).order_by(Status.position, Status.key))

    async def in_component(self, component_id: uuid.UUID, status_id: uuid.UUID) -> Status | None:
        return await self.first(self.of_component(component_id).where(Status.id == status_id))

    async def by_key(self, component_id: uuid.UUID, key: str) -> Status | None:
        return await self.first(self.of_component(component_id).where(Status.key == key))

    async def by_ids(self, status_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Status]:
        if not status_ids:
            return {}
        return {s.id: s for s in await self.all(self.base_statement().where(Status.id.in_(list(status_ids))))}

    async def in_use(self, status_id: uuid.UUID) -> bool:
        stmt = select(Result.id).where(Result.commune_id == self.commune_id, Result.status_id == status_id)
        return (await self.session.execute(stmt.limit(1))).first() is not None


@dataclass(frozen=True, slots=True)
class ResultFilters:
    parent_id: uuid.UUID | None = None
    top_level: bool | None = None
    status_id: uuid.UUID | None = None
    category: str | None = None
    district: str | None = None
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChildrenAggregate:
    count: int
    weighted_sum: float
    weight_total: float
    plain_sum: float


class ResultRepository(CommuneScopedRepository[Result]):
    model = Result
    resource_name = "result"

    def of_component(self, component_id: uuid.UUID) -> Select[Any]:
        return self.base_statement().where(Result.component_id == component_id)

    async def in_component(self, component_id: uuid.UUID, result_id: uuid.UUID) -> Result | None:
        return await self.first(self.of_component(component_id).where(Result.id == result_id))

    async def by_external_id(self, component_id: uuid.UUID, external_id: str) -> Result | None:
        return await self.first(self.of_component(component_id).where(Result.external_id == external_id))

    async def page(
        self, component_id: uuid.UUID, params: PageParams, filters: ResultFilters
    ) -> tuple[list[Result], str | None]:
        stmt = self.of_component(component_id)
        if filters.parent_id is not None:
            stmt = stmt.where(Result.parent_id == filters.parent_id)
        if filters.top_level is True:
            stmt = stmt.where(Result.parent_id.is_(None))
        elif filters.top_level is False:
            stmt = stmt.where(Result.parent_id.is_not(None))
        for column, value in (
            (Result.status_id, filters.status_id),
            (Result.category, filters.category),
            (Result.district, filters.district),
            (Result.external_id, filters.external_id),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        return await keyset_page(
            self.session,
            stmt,
            params=params,
            sorts={
                "position": Result.position,
                "progress": Result.progress,
                "created_at": Result.created_at,
                "updated_at": Result.updated_at,
            },
            default_sort="position",
            id_column=Result.id,
        )

    async def all_of_component(self, component_id: uuid.UUID) -> list[Result]:
        return await self.all(self.of_component(component_id).order_by(Result.position, Result.id))

    async def children_counts(self, result_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not result_ids:
            return {}
        stmt = (
            select(Result.parent_id, func.count())
            .where(Result.commune_id == self.commune_id, Result.parent_id.in_(list(result_ids)))
            .group_by(Result.parent_id)
        )
        return {row[0]: int(row[1]) for row in (await self.session.execute(stmt)).all() if row[0] is not None}

    async def has_children(self, result_id: uuid.UUID) -> bool:
        stmt = select(Result.id).where(Result.commune_id == self.commune_id, Result.parent_id == result_id)
        return (await self.session.execute(stmt.limit(1))).first() is not None

    async def parent_of(self, result_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID | None] | None:
        """(component id, parent id) of a result, read without loading it."""
        stmt = select(Result.component_id, Result.parent_id).where(
            Result.commune_id == self.commune_id, Result.id == result_id
        )
        row = (await self.session.execute(stmt)).first()
        return None if row is None else (row[0], row[1])

    async def children_ids(self, parent_ids: Collection[uuid.UUID]) -> list[uuid.UUID]:
        stmt = select(Result.id).where(
            Result.commune_id == self.commune_id, Result.parent_id.in_(list(parent_ids))
        )
        return list((await self.session.execute(stmt)).scalars())

    async def lock(self, result_id: uuid.UUID) -> Result | None:
        """The result, re-read and locked (``FOR NO KEY UPDATE`` on PostgreSQL: it does not conflict with
        the key-share lock a child's insert takes on its parent; SQLite serialises writers anyway)."""
        stmt = (
            self.base_statement()
            .where(Result.id == result_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        return await self.first(stmt)

    async def lock_many(self, result_ids: Collection[uuid.UUID]) -> list[Result]:
        """Lock several results in id order (one statement), re-read."""
        if not result_ids:
            return []
        stmt = (
            self.base_statement()
            .where(Result.id.in_(list(result_ids)))
            .order_by(Result.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        return await self.all(stmt)

    async def children_aggregate(self, parent_id: uuid.UUID) -> ChildrenAggregate:
        weight = func.coalesce(Result.weight, 1.0)
        stmt = select(
            func.count(),
            func.coalesce(func.sum(weight * Result.progress), 0.0),
            func.coalesce(func.sum(weight), 0.0),
            func.coalesce(func.sum(Result.progress), 0.0),
        ).where(Result.commune_id == self.commune_id, Result.parent_id == parent_id)
        row = (await self.session.execute(stmt)).one()
        return ChildrenAggregate(int(row[0]), float(row[1]), float(row[2]), float(row[3]))

    async def tree_rows(
        self, component_id: uuid.UUID
    ) -> list[tuple[uuid.UUID, uuid.UUID | None, float | None, float]]:
        """(id, parent id, weight, progress) of every result of the component."""
        stmt = select(Result.id, Result.parent_id, Result.weight, Result.progress).where(
            Result.commune_id == self.commune_id, Result.component_id == component_id
        )
        return [(r[0], r[1], r[2], r[3]) for r in (await self.session.execute(stmt)).all()]

    async def imported_projects(self, component_id: uuid.UUID) -> set[uuid.UUID]:
        stmt = select(Result.source_project_id).where(
            Result.commune_id == self.commune_id,
            Result.component_id == component_id,
            Result.source_project_id.is_not(None),
        )
        return {row[0] for row in (await self.session.execute(stmt)).all() if row[0] is not None}

    async def links_of(self, result_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ResourceLink]]:
        """The core resource links from these results, in one query."""
        if not result_ids:
            return {}
        stmt = (
            select(ResourceLink)
            .where(
                ResourceLink.commune_id == self.commune_id,
                ResourceLink.from_module == MODULE,
                ResourceLink.from_type == "result",
                ResourceLink.from_id.in_(list(result_ids)),
            )
            .order_by(ResourceLink.created_at, ResourceLink.id)
        )
        out: dict[uuid.UUID, list[ResourceLink]] = {}
        for row in (await self.session.execute(stmt)).scalars():
            out.setdefault(row.from_id, []).append(row)
        return out

    async def links_of_component(self, component_id: uuid.UUID) -> dict[uuid.UUID, list[ResourceLink]]:
        """The core resource links from every result of the component, in one query (exports)."""
        stmt = (
            select(ResourceLink)
            .join(Result, Result.id == ResourceLink.from_id)
            .where(
                ResourceLink.commune_id == self.commune_id,
                ResourceLink.from_module == MODULE,
                ResourceLink.from_type == "result",
                Result.commune_id == self.commune_id,
                Result.component_id == component_id,
            )
            .order_by(ResourceLink.created_at, ResourceLink.id)
        )
        out: dict[uuid.UUID, list[ResourceLink]] = {}
        for row in (await self.session.execute(stmt)).scalars():
            out.setdefault(row.from_id, []).append(row)
        return out

    async def unlink(self, result_id: uuid.UUID) -> None:
        """Remove the core resource links from a result (it is being deleted)."""
        await self.session.execute(
            delete(ResourceLink).where(
                ResourceLink.commune_id == self.commune_id,
                ResourceLink.from_module == MODULE,
                ResourceLink.from_type == "result",
                ResourceLink.from_id == result_id,
            )
        )

    async def linked_to(
        self, target_module: str, target_type: str, target_id: uuid.UUID, *, include_hidden: bool
    ) -> list[tuple[Result, uuid.UUID]]:
        """(result, process id) of the results linked to a resource, in components the caller may see."""
        stmt = (
            select(Result, Component.process_id)
            .join(Component, Component.id == Result.component_id)
            .join(ParticipatoryProcess, ParticipatoryProcess.id == Component.process_id)
            .join(
                ResourceLink,
                (ResourceLink.from_id == Result.id)
                & (ResourceLink.commune_id == Result.commune_id)
                & (ResourceLink.from_module == MODULE)
                & (ResourceLink.from_type == "result"),
            )
            .where(
                Result.commune_id == self.commune_id,
                ResourceLink.to_module == target_module,
                ResourceLink.to_type == target_type,
                ResourceLink.to_id == target_id,
            )
            .order_by(Result.created_at, Result.id)
            .limit(200)
        )
        if not include_hidden:
            stmt = stmt.where(
                Component.published_at.is_not(None), ParticipatoryProcess.published_at.is_not(None)
            )
        return [(row[0], row[1]) for row in (await self.session.execute(stmt)).unique().all()]


class MilestoneRepository(CommuneScopedRepository[Milestone]):
    model = Milestone
    resource_name = "milestone"

    def of_result(self, result_id: uuid.UUID) -> Select[Any]:
        return self.base_statement().where(Milestone.result_id == result_id)

    async def page(self, result_id: uuid.UUID, params: PageParams) -> tuple[list[Milestone], str | None]:
        return await keyset_page(
            self.session,
            self.of_result(result_id),
            params=params,
            sorts={"entry_date": Milestone.entry_date, "created_at": Milestone.created_at},
            default_sort="entry_date",
            id_column=Milestone.id,
        )

    async def in_result(self, result_id: uuid.UUID, milestone_id: uuid.UUID) -> Milestone | None:
        return await self.first(self.of_result(result_id).where(Milestone.id == milestone_id))


class CandidateRepository(CommuneScopedRepository[ProjectCandidate]):
    model = ProjectCandidate
    resource_name = "project candidate"

    async def of_budget(self, budget_id: uuid.UUID) -> list[ProjectCandidate]:
        return await self.all(self.base_statement().where(ProjectCandidate.budget_id == budget_id))

    async def selected_in_process(
        self, process_id: uuid.UUID, source_component_id: uuid.UUID | None
    ) -> list[ProjectCandidate]:
        stmt = self.base_statement().where(
            ProjectCandidate.process_id == process_id, ProjectCandidate.selected.is_(True)
        )
        if source_component_id is not None:
            stmt = stmt.where(ProjectCandidate.source_component_id == source_component_id)
        return await self.all(
            stmt.order_by(ProjectCandidate.source_component_id, ProjectCandidate.rank, ProjectCandidate.id)
        )

    async def component_process(self, component_id: uuid.UUID) -> uuid.UUID | None:
        stmt = select(Component.process_id).where(
            Component.commune_id == self.commune_id, Component.id == component_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()
