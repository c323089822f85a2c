"""SQL of budgets, projects and proposal candidates, scoped to one commune."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import id_param
from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.core.links import ResourceLink
from civicapi.core.pagination import RANDOM, PageParams, keyset_page, shuffled_page
from civicapi.modules.budgets.models import (
    CHECKED_OUT,
    SEALED,
    Ballot,
    BallotItem,
    Budget,
    Project,
    ProposalCandidate,
)

PROPOSAL_LINK = "included_proposals"

# Statements of the voting path, built once (building one costs more CPU than running it).
_HOLD = (
    select(Budget.closed_at)
    .where(Budget.id == id_param("budget_id"), Budget.commune_id == id_param("commune_id"))
    .with_for_update(read=True)
)
HOLD_WITH_COSTS = (
    select(Budget.closed_at, Project.id, Project.cost)
    .select_from(Budget)
    .outerjoin(Project, Project.budget_id == Budget.id)
    .where(Budget.id == id_param("budget_id"), Budget.commune_id == id_param("commune_id"))
    .with_for_update(read=True, of=Budget)
)
"""``budgets/project --included_proposals--> proposals/proposal``."""


async def unsealed(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]:
    """(commune id, component id, budget id) of every vote closed and not sealed, in every commune (for
    the work a starting process resumes: ``startup.py``)."""
    stmt = select(Budget.commune_id, Budget.component_id, Budget.id).where(
        Budget.closed_at.is_not(None), Budget.ballots_sha256.is_(None)
    )
    return [(row[0], row[1], row[2]) for row in (await session.execute(stmt)).all()]


class BudgetRepository(CommuneScopedRepository[Budget]):
    model = Budget
    resource_name = "budget"

    def of_component(self, component_id: uuid.UUID) -> Select[Any]:
        return self.base_statement().where(Budget.component_id == component_id)

    async def lock_if_free(self, budget_id: uuid.UUID) -> bool:
        """Take the budget's row for update unless another transaction holds it (then False at once, not
        waiting: PostgreSQL ``SKIP LOCKED``; SQLite has one writer at a time and always says True)."""
        stmt = (
            select(Budget.id)
            .where(Budget.commune_id == self.commune_id, Budget.id == budget_id)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def page(self, component_id: uuid.UUID, params: PageParams) -> tuple[list[Budget], str | None]:
        return await keyset_page(
            self.session,
            self.of_component(component_id),
            params=params,
            sorts={"position": Budget.position, "created_at": Budget.created_at},
            default_sort="position",
            id_column=Budget.id,
        )

    async def all_of_component(self, component_id: uuid.UUID) -> list[Budget]:
        return await self.all(self.of_component(component_id).order_by(Budget.position, Budget.id))

    async def in_component(self, component_id: uuid.UUID, budget_id: uuid.UUID) -> Budget | None:
        params = {"commune_id": self.commune_id, "component_id": component_id, "budget_id": budget_id}
        return (await self.session.execute(_IN_COMPONENT, params)).scalar_one_or_none()

    async def projects_count(self, budget_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not budget_ids:
            return {}
        stmt = (
            select(Project.budget_id, func.count())
            .where(Project.commune_id == self.commune_id, Project.budget_id.in_(list(budget_ids)))
            .group_by(Project.budget_id)
        )
        return {row[0]: int(row[1]) for row in (await self.session.execute(stmt)).all()}

    async def ballots_count(self, budget_id: uuid.UUID, statuses: Sequence[str]) -> int:
        stmt = (
            select(func.count())
            .select_from(Ballot)
            .where(
                Ballot.commune_id == self.commune_id,
                Ballot.budget_id == budget_id,
                Ballot.status.in_(list(statuses)),
            )
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def ballot_tally(self, budget_id: uuid.UUID) -> dict[tuple[str, str], int]:
        """(ballot status, channel) -> ballots of the budget."""
        stmt = (
            select(Ballot.status, Ballot.channel, func.count())
            .where(Ballot.commune_id == self.commune_id, Ballot.budget_id == budget_id)
            .group_by(Ballot.status, Ballot.channel)
        )
        return {(row[0], row[1]): int(row[2]) for row in (await self.session.execute(stmt)).all()}


_IN_COMPONENT = select(Budget).where(
    Budget.commune_id == id_param("commune_id"),
    Budget.component_id == id_param("component_id"),
    Budget.id == id_param("budget_id"),
)


class BallotBox:
    """The budget row as the urn's lid: whoever casts holds it shared until their transaction ends, the
    close takes it exclusively (``service_close``), so no ballot slips in while the urn is
    being sealed and none is cast after (on SQLite, writers are serialised anyway)."""

    def __init__(self, session: AsyncSession, commune_id: uuid.UUID) -> None:
        self.session = session
        self.params = {"commune_id": commune_id}

    async def hold(self, budget_id: uuid.UUID) -> bool:
        """Hold the lid; whether the vote is still open."""
        closed = (await self.session.execute(_HOLD, {**self.params, "budget_id": budget_id})).scalar()
        return closed is None

    async def hold_with_costs(self, budget_id: uuid.UUID) -> tuple[bool, dict[uuid.UUID, int]]:
        """Hold the lid and read the projects' costs in the same round trip: (open?, costs)."""
        rows = (await self.session.execute(HOLD_WITH_COSTS, {**self.params, "budget_id": budget_id})).all()
        return costs_of(rows)


def costs_of(rows: Sequence[Sequence[Any]]) -> tuple[bool, dict[uuid.UUID, int]]:
    """(open?, costs) from the rows of :data:`HOLD_WITH_COSTS` (parameters ``commune_id``, ``budget_id``)."""
    is_open = bool(rows) and rows[0][0] is None
    return is_open, {row[1]: int(row[2]) for row in rows if row[1] is not None}


class ProjectRepository(CommuneScopedRepository[Project]):
    model = Project
    resource_name = "project"

    def of_budget(self, budget_id: uuid.UUID) -> Select[Any]:
        return self.base_statement().where(Project.budget_id == budget_id)

    async def page(
        self,
        budget_id: uuid.UUID,
        params: PageParams,
        *,
        category: str | None = None,
        selected: bool | None = None,
        seed: int | None = None,
    ) -> tuple[list[Project], str | None]:
        """``sort=random``: a shuffle that ``seed`` makes reproducible (:func:`shuffled_page`; a budget
        has tens or hundreds of projects, all read for each page)."""
        stmt = self.of_budget(budget_id)
        if category is not None:
            stmt = stmt.where(Project.category == category)
        if selected is not None:
            stmt = stmt.where(Project.selected.is_(selected))
        if params.sort == RANDOM:
            return await shuffled_page(self.session, stmt, params=params, seed=seed, id_column=Project.id)
        return await keyset_page(
            self.session,
            stmt,
            params=params,
            sorts={
                "position": Project.position,
                "cost": Project.cost,
                "number": Project.number,
                "created_at": Project.created_at,
            },
            default_sort="position",
            id_column=Project.id,
            also=f"{RANDOM} (ascending only)",
        )

    async def all_of_budget(self, budget_id: uuid.UUID) -> list[Project]:
        return await self.all(
            self.of_budget(budget_id).order_by(Project.position, Project.number, Project.id)
        )

    async def in_budget(self, budget_id: uuid.UUID, project_id: uuid.UUID) -> Project | None:
        return await self.first(self.of_budget(budget_id).where(Project.id == project_id))

    async def next_number(self, budget_id: uuid.UUID) -> int:
        stmt = select(func.max(Project.number)).where(Project.budget_id == budget_id)
        return int((await self.session.execute(stmt)).scalar_one() or 0) + 1

    async def vote_counts(self, budget_id: uuid.UUID) -> dict[uuid.UUID, int]:
        """Project id -> approvals (or points) on cast and sealed ballots."""
        stmt = (
            select(BallotItem.project_id, func.sum(BallotItem.points))
            .join(Ballot, Ballot.id == BallotItem.ballot_id)
            .where(
                Ballot.commune_id == self.commune_id,
                Ballot.budget_id == budget_id,
                Ballot.status.in_([CHECKED_OUT, SEALED]),
            )
            .group_by(BallotItem.project_id)
        )
        return {row[0]: int(row[1]) for row in (await self.session.execute(stmt)).all()}

    async def has_votes(self, project_id: uuid.UUID) -> bool:
        stmt = select(BallotItem.project_id).where(BallotItem.project_id == project_id).limit(1)
        return (await self.session.execute(stmt)).first() is not None

    async def proposal_links(self, project_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Project id -> the proposals it was imported from (core resource links), in one query."""
        if not project_ids:
            return {}
        stmt = (
            select(ResourceLink.from_id, ResourceLink.to_id)
            .where(
                ResourceLink.commune_id == self.commune_id,
                ResourceLink.from_module == "budgets",
                ResourceLink.from_type == "project",
                ResourceLink.from_id.in_(list(project_ids)),
                ResourceLink.name == PROPOSAL_LINK,
            )
            .order_by(ResourceLink.created_at, ResourceLink.id)
        )
        out: dict[uuid.UUID, list[uuid.UUID]] = {}
        for from_id, to_id in (await self.session.execute(stmt)).all():
            out.setdefault(from_id, []).append(to_id)
        return out

    async def imported_proposals(self, component_id: uuid.UUID) -> set[uuid.UUID]:
        stmt = select(Project.source_proposal_id).where(
            Project.commune_id == self.commune_id,
            Project.component_id == component_id,
            Project.source_proposal_id.is_not(None),
        )
        return {row[0] for row in (await self.session.execute(stmt)).all() if row[0] is not None}

    async def set_selected(self, budget_id: uuid.UUID, selected: Sequence[uuid.UUID]) -> None:
        base = update(Project).where(Project.commune_id == self.commune_id, Project.budget_id == budget_id)
        await self.session.execute(base.values(selected=False))
        if selected:
            await self.session.execute(base.where(Project.id.in_(list(selected))).values(selected=True))


class CandidateRepository(CommuneScopedRepository[ProposalCandidate]):
    model = ProposalCandidate
    resource_name = "proposal"

    async def by_proposal(self, proposal_id: uuid.UUID) -> ProposalCandidate | None:
        return await self.first(self.base_statement().where(ProposalCandidate.proposal_id == proposal_id))

    async def accepted_in_process(
        self, process_id: uuid.UUID, source_component_id: uuid.UUID | None
    ) -> list[ProposalCandidate]:
        stmt = self.base_statement().where(
            ProposalCandidate.process_id == process_id,
            ProposalCandidate.accepted.is_(True),
            ProposalCandidate.withdrawn.is_(False),
        )
        if source_component_id is not None:
            stmt = stmt.where(ProposalCandidate.source_component_id == source_component_id)
        return await self.all(stmt.order_by(ProposalCandidate.reference, ProposalCandidate.proposal_id))
