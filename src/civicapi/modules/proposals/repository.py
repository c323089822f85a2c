"""All SQL of proposals, authorships, supports and per-person tallies. Every repository is commune-scoped.

Counters are changed by conditional ``UPDATE ... WHERE <limit holds> RETURNING``: on PostgreSQL the row
lock serialises concurrent writers and the condition is re-evaluated on the committed row; on SQLite
transactions are already serialised (``BEGIN IMMEDIATE``). Inserts that may race use
``INSERT ... ON CONFLICT DO NOTHING`` against a unique constraint.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from civicapi.core.db.repository import CommuneScopedRepository, upsert_insert
from civicapi.modules.proposals.models import (
    DRAFT,
    Authorship,
    Participation,
    Proposal,
    ReferenceCounter,
    Support,
)


def insert_ignoring_conflicts(session: AsyncSession, model: type[Any], values: dict[str, Any]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` in the session's dialect (PostgreSQL or SQLite)."""
    return upsert_insert(session)(model).values(**values).on_conflict_do_nothing()


@dataclass(frozen=True, slots=True)
class ProposalFilters:
    status: str = "published"
    states: Sequence[str] | None = None
    """State tokens; ``""`` stands for "not answered yet" (no published state)."""
    author_id: uuid.UUID | None = None
    category: str | None = None
    district: str | None = None
    words: Sequence[str] = ()
    """Folded words that must all appear in the title, body or reference."""
    bbox: tuple[float, float, float, float] | None = None
    """(min longitude, min latitude, max longitude, max latitude)."""
    official: bool | None = None
    mine_of: uuid.UUID | None = None
    supported_by: uuid.UUID | None = None
    ids: Sequence[uuid.UUID] | None = None


@dataclass(frozen=True, slots=True)
class SortKey:
    """How one page is ordered: an SQL expression, its value for a loaded row, and the direction."""

    name: str
    """What the cursor remembers (a changed sort or seed invalidates the cursor)."""
    expression: Any
    """A column or an SQL expression."""
    value: Any
    """Callable: proposal -> the expression's value for that row."""
    descending: bool


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def readable_by(user_id: uuid.UUID | None, *, may_official: bool) -> ColumnElement[bool]:
    """Proposals a reader may open, as a condition: published or withdrawn ones, drafts for their authors,
    official drafts for holders of ``proposals.official`` (the rule of ``common.reading.get_proposal``)."""
    drafts: list[ColumnElement[bool]] = []
    if may_official:
        drafts.append(Proposal.official.is_(True))
    if user_id is not None:
        authored = exists().where(Authorship.proposal_id == Proposal.id, Authorship.user_id == user_id)
        drafts.append(and_(Proposal.official.is_(False), authored))
    return or_(Proposal.status != DRAFT, *drafts)


class ProposalRepository(CommuneScopedRepository[Proposal]):
    model = Proposal
    resource_name = "proposal"

    def _of_component(self, component_id: uuid.UUID) -> Select[Proposal]:
        return self.base_statement().where(Proposal.component_id == component_id)

    async def ids_in_component(self, component_id: uuid.UUID) -> list[uuid.UUID]:
        """Every proposal's id in the component, oldest first (the demo's, for the seeders after it)."""
        stmt = (
            select(Proposal.id)
            .where(Proposal.commune_id == self.commune_id, Proposal.component_id == component_id)
            .order_by(Proposal.created_at, Proposal.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def get_in_component(self, component_id: uuid.UUID, proposal_id: uuid.UUID) -> Proposal | None:
        stmt = self._of_component(component_id).where(Proposal.id == proposal_id)
        return await self.first(stmt.options(selectinload(Proposal.authorships)))

    def filtered(self, component_id: uuid.UUID, filters: ProposalFilters) -> Select[Proposal]:
        stmt = self._of_component(component_id).where(Proposal.status == filters.status)
        if filters.states is not None:
            named = [s for s in filters.states if s]
            conditions = [Proposal.state.in_(named)] if named else []
            if "" in filters.states:
                conditions.append(Proposal.state.is_(None))
            stmt = stmt.where(or_(*conditions))
        if filters.category is not None:
            stmt = stmt.where(Proposal.category == filters.category)
        if filters.district is not None:
            stmt = stmt.where(Proposal.district == filters.district)
        if filters.official is not None:
            stmt = stmt.where(Proposal.official.is_(filters.official))
        for word in filters.words:
            stmt = stmt.where(Proposal.search_text.like(f"%{_like_escape(word)}%", escape="\\"))
        if filters.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = filters.bbox
            stmt = stmt.where(
                Proposal.latitude.between(min_lat, max_lat), Proposal.longitude.between(min_lon, max_lon)
            )
        for user_id in (filters.author_id, filters.mine_of):
            if user_id is not None:
                stmt = stmt.where(
                    exists().where(Authorship.proposal_id == Proposal.id, Authorship.user_id == user_id)
                )
        if filters.supported_by is not None:
            stmt = stmt.where(
                exists().where(Support.proposal_id == Proposal.id, Support.user_id == filters.supported_by)
            )
        if filters.ids is not None:
            stmt = stmt.where(Proposal.id.in_(list(filters.ids)))
        return stmt

    async def page(
        self, stmt: Select[Proposal], *, sort: SortKey, limit: int, after: tuple[Any, uuid.UUID] | None
    ) -> tuple[list[Proposal], tuple[Any, uuid.UUID] | None]:
        """One keyset page of ``stmt`` ordered by ``sort`` then id; returns the rows and the position
        after the last one (None at the end). Authors are loaded in one more query, whatever the size."""
        expr = sort.expression
        if after is not None:
            value, last_id = after
            if sort.descending:
                stmt = stmt.where(or_(expr < value, and_(expr == value, Proposal.id < last_id)))
            else:
                stmt = stmt.where(or_(expr > value, and_(expr == value, Proposal.id > last_id)))
        order = (expr.desc(), Proposal.id.desc()) if sort.descending else (expr.asc(), Proposal.id.asc())
        stmt = stmt.order_by(*order).limit(limit + 1).options(selectinload(Proposal.authorships))
        rows = await self.all(stmt)
        if len(rows) <= limit:
            return rows, None
        rows = rows[:limit]
        return rows, (sort.value(rows[-1]), rows[-1].id)

    async def all_of_component(self, component_id: uuid.UUID, statuses: Iterable[str]) -> list[Proposal]:
        stmt = (
            self._of_component(component_id)
            .where(Proposal.status.in_(list(statuses)))
            .order_by(Proposal.published_at, Proposal.id)
            .options(selectinload(Proposal.authorships))
        )
        return await self.all(stmt)

    async def with_held_answers(
        self, component_id: uuid.UUID, ids: Sequence[uuid.UUID] | None
    ) -> list[Proposal]:
        stmt = self._of_component(component_id).where(
            Proposal.answered_at.is_not(None), Proposal.answer_published_at.is_(None)
        )
        if ids is not None:
            stmt = stmt.where(Proposal.id.in_(list(ids)))
        return await self.all(stmt.order_by(Proposal.id).options(selectinload(Proposal.authorships)))

    async def change_supports(
        self, proposal_id: uuid.UUID, *, counted: int, pending: int, threshold: int | None
    ) -> int | None:
        """Add ``counted`` and ``pending`` to the proposal's counters; with a ``threshold``, only while the
        proposal holds fewer supports (counted + pending) than it. The new count, or None when refused."""
        stmt = (
            update(Proposal)
            .where(Proposal.id == proposal_id, Proposal.commune_id == self.commune_id)
            .values(
                supports_count=Proposal.supports_count + counted,
                pending_supports_count=Proposal.pending_supports_count + pending,
            )
            .returning(Proposal.supports_count)
        )
        if threshold is not None:
            stmt = stmt.where(Proposal.supports_count + Proposal.pending_supports_count < threshold)
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        return result.scalar_one_or_none()

    async def supports_count(self, proposal_id: uuid.UUID) -> int:
        stmt = select(Proposal.supports_count).where(
            Proposal.id == proposal_id, Proposal.commune_id == self.commune_id
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def has_state(self, component_id: uuid.UUID, token: str) -> bool:
        stmt = select(Proposal.id).where(
            Proposal.commune_id == self.commune_id,
            Proposal.component_id == component_id,
            or_(Proposal.state == token, Proposal.answer_state == token),
        )
        return (await self.session.execute(stmt.limit(1))).first() is not None


class AuthorshipRepository(CommuneScopedRepository[Authorship]):
    model = Authorship
    resource_name = "author"


class SupportRepository(CommuneScopedRepository[Support]):
    model = Support
    resource_name = "support"

    async def insert(
        self,
        *,
        component_id: uuid.UUID,
        proposal_id: uuid.UUID,
        user_id: uuid.UUID,
        counted: bool,
        created_at: datetime,
    ) -> bool:
        """Insert the person's support unless they gave it already (then nothing happens): True if new."""
        stmt = insert_ignoring_conflicts(
            self.session,
            Support,
            {
                "id": uuid.uuid4(),
                "commune_id": self.commune_id,
                "component_id": component_id,
                "proposal_id": proposal_id,
                "user_id": user_id,
                "counted": counted,
                "created_at": created_at,
            },
        ).returning(Support.id)
        return (await self.session.execute(stmt)).first() is not None

    async def of_person(self, proposal_id: uuid.UUID, user_id: uuid.UUID) -> Support | None:
        stmt = self.base_statement().where(Support.proposal_id == proposal_id, Support.user_id == user_id)
        return await self.first(stmt)

    async def set_counted(self, proposal_id: uuid.UUID, user_id: uuid.UUID, counted: bool) -> None:
        await self.session.execute(
            update(Support)
            .where(
                Support.commune_id == self.commune_id,
                Support.proposal_id == proposal_id,
                Support.user_id == user_id,
            )
            .values(counted=counted),
            execution_options={"synchronize_session": False},
        )

    async def remove(self, proposal_id: uuid.UUID, user_id: uuid.UUID) -> bool | None:
        """Delete the person's support; whether it was counted, or None when there was none."""
        stmt = (
            delete(Support)
            .where(
                Support.commune_id == self.commune_id,
                Support.proposal_id == proposal_id,
                Support.user_id == user_id,
            )
            .returning(Support.counted)
        )
        row = (await self.session.execute(stmt, execution_options={"synchronize_session": False})).first()
        return None if row is None else bool(row[0])

    async def flip_all(
        self, component_id: uuid.UUID, user_id: uuid.UUID, *, to_counted: bool
    ) -> list[uuid.UUID]:
        """Mark every support of the person in the component counted (or pending); the proposals whose
        support changed, sorted (so that their rows are then locked in one order by everyone)."""
        stmt = (
            update(Support)
            .where(
                Support.commune_id == self.commune_id,
                Support.component_id == component_id,
                Support.user_id == user_id,
                Support.counted.is_(not to_counted),
            )
            .values(counted=to_counted)
            .returning(Support.proposal_id)
        )
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        return sorted(result.scalars().all())

    async def statuses(self, user_id: uuid.UUID, proposal_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, bool]:
        """proposal id -> counted, for the person's supports among ``proposal_ids`` (one query)."""
        if not proposal_ids:
            return {}
        stmt = select(Support.proposal_id, Support.counted).where(
            Support.commune_id == self.commune_id,
            Support.user_id == user_id,
            Support.proposal_id.in_(list(proposal_ids)),
        )
        return {pid: bool(counted) for pid, counted in (await self.session.execute(stmt)).all()}


class ParticipationRepository(CommuneScopedRepository[Participation]):
    model = Participation
    resource_name = "participation"

    async def ensure(self, component_id: uuid.UUID, user_id: uuid.UUID) -> None:
        stmt = insert_ignoring_conflicts(
            self.session,
            Participation,
            {
                "id": uuid.uuid4(),
                "commune_id": self.commune_id,
                "component_id": component_id,
                "user_id": user_id,
                "supports_count": 0,
                "proposals_count": 0,
            },
        )
        await self.session.execute(stmt)

    async def change(
        self, component_id: uuid.UUID, user_id: uuid.UUID, *, field: str, by: int, limit: int | None = None
    ) -> tuple[int, int] | None:
        """Add ``by`` to the person's ``field`` (``supports_count`` or ``proposals_count``), only while it
        stays within ``limit`` when one is given. The new (supports, proposals) counts, or None when
        refused (or when the person has no row)."""
        column = getattr(Participation, field)
        stmt = (
            update(Participation)
            .where(
                Participation.commune_id == self.commune_id,
                Participation.component_id == component_id,
                Participation.user_id == user_id,
            )
            .values({field: column + by})
            .returning(Participation.supports_count, Participation.proposals_count)
        )
        if limit is not None:
            stmt = stmt.where(column + by <= limit)
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        row = result.first()
        return None if row is None else (int(row[0]), int(row[1]))

    async def of_person(self, component_id: uuid.UUID, user_id: uuid.UUID) -> Participation | None:
        stmt = self.base_statement().where(
            Participation.component_id == component_id, Participation.user_id == user_id
        )
        return await self.first(stmt)


class ReferenceCounterRepository(CommuneScopedRepository[ReferenceCounter]):
    model = ReferenceCounter
    resource_name = "reference counter"

    async def allocate(self, year: int, count: int = 1) -> int:
        """Reserve ``count`` consecutive sequence numbers of ``year``; returns the first one. Race-free:
        the counter row is created if missing, then moved by one atomic ``UPDATE ... RETURNING`` (its row
        lock makes concurrent allocations wait for each other)."""
        await self.session.execute(
            insert_ignoring_conflicts(
                self.session,
                ReferenceCounter,
                {"id": uuid.uuid4(), "commune_id": self.commune_id, "year": year, "last": 0},
            )
        )
        stmt = (
            update(ReferenceCounter)
            .where(ReferenceCounter.commune_id == self.commune_id, ReferenceCounter.year == year)
            .values(last=ReferenceCounter.last + count)
            .returning(ReferenceCounter.last)
        )
        result = await self.session.execute(stmt, execution_options={"synchronize_session": False})
        return int(result.scalar_one()) - count + 1
