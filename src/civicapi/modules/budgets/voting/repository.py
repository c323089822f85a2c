"""SQL of ballots, the register of voters and idempotency records. Totals change by conditional
``UPDATE``s: the database decides whether an addition still fits, so racing requests never pass a cap."""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CursorResult,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from civicapi.core.db.base import id_param
from civicapi.core.db.repository import CommuneScopedRepository
from civicapi.modules.budgets.models import (
    DRAFT,
    ONLINE,
    VOTED,
    Ballot,
    BallotItem,
    IdempotencyRecord,
    Project,
    Voter,
)
from civicapi.modules.budgets.voting.repository_cast import (
    INSERT_BALLOT,
    INSERT_IDEMPOTENCY,
    INSERT_ITEM,
    INSERT_VOTER,
    cast_accepted,
    cast_at_once,
    column_values,
)
from civicapi.modules.budgets.voting.rules import Line

NO_SYNC = {"synchronize_session": False}
"""Bulk statements here never update objects already in the session: services re-read what they show."""


# Statements of the voting path, built once (building one costs more CPU than running it).
_LINES = (
    select(BallotItem.project_id, Project.cost, BallotItem.points)
    .join(Project, Project.id == BallotItem.project_id)
    .where(BallotItem.ballot_id == id_param("ballot_id"))
    .order_by(Project.position, Project.number)
)
_BY_ID = select(Ballot).where(Ballot.id == id_param("ballot_id")).execution_options(populate_existing=True)
_OF_USER = select(Voter).where(
    Voter.commune_id == id_param("commune_id"),
    Voter.budget_id == id_param("budget_id"),
    Voter.user_id == id_param("user_id"),
)
_OWN_BALLOT = (  # one row per line of the ballot (one row without a line for an empty one)
    _OF_USER.add_columns(Ballot, BallotItem.project_id, Project.cost, BallotItem.points)
    .outerjoin(Ballot, Ballot.id == Voter.ballot_id)
    .outerjoin(BallotItem, BallotItem.ballot_id == Ballot.id)
    .outerjoin(Project, Project.id == BallotItem.project_id)
    .order_by(Project.position, Project.number)
)
_REGISTER_OF_KEY = select(Voter).where(
    Voter.commune_id == id_param("commune_id"),
    Voter.component_id == id_param("component_id"),
    Voter.voter_key == bindparam("voter_key"),
)
_REGISTER_OF = select(Voter).where(
    Voter.commune_id == id_param("commune_id"),
    Voter.component_id == id_param("component_id"),
    or_(
        Voter.voter_key == bindparam("voter_key"),
        and_(Voter.budget_id == id_param("budget_id"), Voter.user_id == id_param("user_id")),
    ),
)


@dataclass(frozen=True, slots=True)
class Caps:
    """What a ballot in progress may not pass; None: no such cap."""

    total_cost: int | None = None
    projects_count: int | None = None
    points_total: int | None = None


class BallotRepository(CommuneScopedRepository[Ballot]):
    model = Ballot
    resource_name = "ballot"

    async def lines(self, ballot_id: uuid.UUID) -> list[Line]:
        rows = (await self.session.execute(_LINES, {"ballot_id": ballot_id})).all()
        return [Line(row[0], int(row[1]), int(row[2])) for row in rows]

    async def by_id(self, ballot_id: uuid.UUID) -> Ballot:
        """The ballot as stored now (even if the session holds an older copy)."""
        return (await self.session.execute(_BY_ID, {"ballot_id": ballot_id})).scalar_one()

    async def add_line(self, ballot_id: uuid.UUID, line: Line, caps: Caps) -> bool:
        """Raise the draft's totals by ``line`` if every cap still holds (one conditional UPDATE, which also
        locks the ballot's row until the end of the transaction), then add the item. False: a cap or the
        status refused it, nothing changed."""
        stmt = (
            update(Ballot)
            .where(Ballot.id == ballot_id, Ballot.status == DRAFT)
            .values(
                total_cost=Ballot.total_cost + line.cost,
                points_total=Ballot.points_total + line.points,
                projects_count=Ballot.projects_count + 1,
            )
        )
        if caps.total_cost is not None:
            stmt = stmt.where(Ballot.total_cost + line.cost <= caps.total_cost)
        if caps.projects_count is not None:
            stmt = stmt.where(Ballot.projects_count + 1 <= caps.projects_count)
        if caps.points_total is not None:
            stmt = stmt.where(Ballot.points_total + line.points <= caps.points_total)
        result: CursorResult[Any] = await self.session.execute(  # type: ignore[assignment]
            stmt, execution_options=NO_SYNC
        )
        if result.rowcount != 1:
            return False
        await self.session.execute(
            insert(BallotItem).values(
                commune_id=self.commune_id,
                ballot_id=ballot_id,
                project_id=line.project_id,
                points=line.points,
            )
        )
        return True

    async def has_item(self, ballot_id: uuid.UUID, project_id: uuid.UUID) -> int | None:
        stmt = select(BallotItem.points).where(
            BallotItem.ballot_id == ballot_id, BallotItem.project_id == project_id
        )
        points = (await self.session.execute(stmt)).scalar_one_or_none()
        return None if points is None else int(points)

    async def remove_line(self, ballot_id: uuid.UUID, project_id: uuid.UUID, cost: int) -> bool:
        result: CursorResult[Any] = await self.session.execute(  # type: ignore[assignment]
            delete(BallotItem)
            .where(BallotItem.ballot_id == ballot_id, BallotItem.project_id == project_id)
            .returning(BallotItem.points),
            execution_options=NO_SYNC,
        )
        removed = result.scalar_one_or_none()
        if removed is None:
            return False
        await self.session.execute(
            update(Ballot)
            .where(Ballot.id == ballot_id)
            .values(
                total_cost=Ballot.total_cost - cost,
                points_total=Ballot.points_total - int(removed),
                projects_count=Ballot.projects_count - 1,
            ),
            execution_options=NO_SYNC,
        )
        return True

    async def set_status(self, ballot_id: uuid.UUID, *, from_: Sequence[str], to: str) -> bool:
        """Conditional status change (locks the row): False when the ballot was not in ``from_``."""
        result: CursorResult[Any] = await self.session.execute(  # type: ignore[assignment]
            update(Ballot).where(Ballot.id == ballot_id, Ballot.status.in_(list(from_))).values(status=to),
            execution_options=NO_SYNC,
        )
        return result.rowcount == 1

    async def replace_lines(self, ballot_id: uuid.UUID, lines: Sequence[Line]) -> None:
        await self.session.execute(
            delete(BallotItem).where(BallotItem.ballot_id == ballot_id), execution_options=NO_SYNC
        )
        await self.insert_items(ballot_id, lines)
        await self.session.execute(
            update(Ballot)
            .where(Ballot.id == ballot_id)
            .values(
                total_cost=sum(line.cost for line in lines),
                points_total=sum(line.points for line in lines),
                projects_count=len(lines),
            ),
            execution_options=NO_SYNC,
        )

    async def insert_items(self, ballot_id: uuid.UUID, lines: Sequence[Line]) -> None:
        if lines:
            await self.session.execute(
                INSERT_ITEM,
                [
                    {
                        "commune_id": self.commune_id,
                        "ballot_id": ballot_id,
                        "project_id": line.project_id,
                        "points": line.points,
                    }
                    for line in lines
                ],
            )

    async def insert_new(self, ballot: Ballot, lines: Sequence[Line], voter: Voter) -> None:
        """Insert a ballot, its items and its register row as built (ids and values set; nothing enters the
        session: three statements, without the unit of work's bookkeeping)."""
        await self.session.execute(INSERT_BALLOT, column_values(ballot))
        await self.insert_items(ballot.id, lines)
        await self.session.execute(INSERT_VOTER, column_values(voter))

    @property
    def casts_at_once(self) -> bool:
        """Whether :meth:`insert_cast_at_once` is available (PostgreSQL)."""
        bind = self.session.bind
        return bind is not None and bind.dialect.name == "postgresql"

    async def insert_cast_at_once(
        self,
        ballot: Ballot,
        lines: Sequence[Line],
        voter: Voter,
        record: IdempotencyRecord | None,
        entry: dict[str, Any],
    ) -> bool:
        """PostgreSQL only: :meth:`insert_new` (and the idempotency record) in one round trip, without a
        savepoint; ``entry``: the audit entry's row (:func:`civicapi.core.audit.entry_row`), inserted only
        with the rest. False: the register or the key refused its row; what was inserted is deleted again
        (the transaction stays usable)."""
        statement, params = cast_at_once(self.commune_id, ballot, lines, voter, record, entry)
        row = (await self.session.execute(statement, params)).one()
        voter_in, key_in = cast_accepted(row, record is not None)
        if voter_in and key_in:
            return True
        if voter_in:
            await self.session.execute(delete(Voter).where(Voter.id == voter.id), execution_options=NO_SYNC)
        await self.session.execute(delete(Ballot).where(Ballot.id == ballot.id), execution_options=NO_SYNC)
        return False


class VoterRepository(CommuneScopedRepository[Voter]):
    model = Voter
    resource_name = "voter"

    async def of_user(self, budget_id: uuid.UUID, user_id: uuid.UUID) -> Voter | None:
        params = {"commune_id": self.commune_id, "budget_id": budget_id, "user_id": user_id}
        return (await self.session.execute(_OF_USER, params)).scalar_one_or_none()

    async def of_user_with_ballot(
        self, budget_id: uuid.UUID, user_id: uuid.UUID
    ) -> tuple[Voter, Ballot | None, list[Line]] | None:
        """The account's row in the budget with its ballot (None once sealed) and the ballot's lines, in one
        round trip."""
        params = {"commune_id": self.commune_id, "budget_id": budget_id, "user_id": user_id}
        rows = (await self.session.execute(_OWN_BALLOT, params)).all()
        if not rows:
            return None
        lines = [Line(row[2], int(row[3]), int(row[4])) for row in rows if row[2] is not None]
        return rows[0][0], rows[0][1], lines

    async def cast_per_day(self, budget_id: uuid.UUID, timezone: str) -> dict[date, int]:
        """Ballots cast each day in ``timezone`` (an IANA name), from the register's ``voted_at``. PostgreSQL
        counts them; SQLite, which knows no time zones, sends one timestamp per voter."""
        where = (
            Voter.commune_id == self.commune_id,
            Voter.budget_id == budget_id,
            Voter.status == VOTED,
            Voter.voted_at.is_not(None),
        )
        if self.session.get_bind().dialect.name == "postgresql":
            day = func.date(func.timezone(timezone, Voter.voted_at))
            rows = (await self.session.execute(select(day, func.count()).where(*where).group_by(day))).all()
            return {row[0]: int(row[1]) for row in rows}
        zone = ZoneInfo(timezone)
        times = (await self.session.execute(select(Voter.voted_at).where(*where))).scalars()
        return dict(Counter(at.astimezone(zone).date() for at in times if at is not None))

    async def of_key(self, budget_id: uuid.UUID, voter_key: str) -> Voter | None:
        return await self.first(
            self.base_statement().where(Voter.budget_id == budget_id, Voter.voter_key == voter_key)
        )

    async def register_of(
        self, component_id: uuid.UUID, budget_id: uuid.UUID, voter_key: str, user_id: uuid.UUID | None
    ) -> list[Voter]:
        """In one query: the identity's rows in the component (its workflow slots) and, given ``user_id``,
        the account's row in the budget (which may carry an older key, before the account was verified)."""
        params = {"commune_id": self.commune_id, "component_id": component_id, "voter_key": voter_key}
        if user_id is None:
            stmt = _REGISTER_OF_KEY
        else:
            stmt, params = _REGISTER_OF, {**params, "budget_id": budget_id, "user_id": user_id}
        return list((await self.session.execute(stmt, params)).scalars())

    async def mark_voted(self, voter_id: uuid.UUID, **values: Any) -> bool:
        result: CursorResult[Any] = await self.session.execute(  # type: ignore[assignment]
            update(Voter).where(Voter.id == voter_id).values(status="voted", **values),
            execution_options=NO_SYNC,
        )
        return result.rowcount == 1

    async def unlink_budget(self, budget_id: uuid.UUID) -> None:
        """Secrecy: no register row points to a ballot any more; drafts (never cast) go."""
        await self.session.execute(
            delete(Voter).where(
                Voter.commune_id == self.commune_id, Voter.budget_id == budget_id, Voter.status == DRAFT
            ),
            execution_options=NO_SYNC,
        )
        await self.session.execute(
            update(Voter)
            .where(Voter.commune_id == self.commune_id, Voter.budget_id == budget_id)
            .values(ballot_id=None),
            execution_options=NO_SYNC,
        )

    async def erased_online(self, budget_id: uuid.UUID) -> list[uuid.UUID]:
        """Register rows of the budget cast online by an account since erased (no user any more)."""
        stmt = select(Voter.id).where(
            Voter.commune_id == self.commune_id,
            Voter.budget_id == budget_id,
            Voter.user_id.is_(None),
            Voter.channel == ONLINE,
        )
        return list((await self.session.execute(stmt)).scalars())

    async def count_voted(self, budget_id: uuid.UUID) -> int:
        stmt = (
            select(func.count())
            .select_from(Voter)
            .where(Voter.commune_id == self.commune_id, Voter.budget_id == budget_id, Voter.status == "voted")
        )
        return int((await self.session.execute(stmt)).scalar_one())


class IdempotencyRepository(CommuneScopedRepository[IdempotencyRecord]):
    model = IdempotencyRecord
    resource_name = "idempotency record"

    async def insert(self, record: IdempotencyRecord) -> None:
        record.commune_id = self.commune_id
        await self.session.execute(INSERT_IDEMPOTENCY, column_values(record))

    async def find(self, budget_id: uuid.UUID, owner: str, key: str) -> IdempotencyRecord | None:
        return await self.first(
            self.base_statement().where(
                IdempotencyRecord.budget_id == budget_id,
                IdempotencyRecord.owner == owner,
                IdempotencyRecord.key == key,
            )
        )

    async def delete_of_budget(self, budget_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.commune_id == self.commune_id, IdempotencyRecord.budget_id == budget_id
            ),
            execution_options=NO_SYNC,
        )


async def scramble_voter_keys(session: AsyncSession, voter_ids: Sequence[uuid.UUID]) -> None:
    """Give each of these register rows a random key of its own: a key nobody can vote under again, which
    links the row to no identity, no account and no other row (an erased person's, once no open vote needs
    their identity key)."""
    for voter_id in voter_ids:
        await session.execute(
            update(Voter).where(Voter.id == voter_id).values(voter_key=secrets.token_hex(32)),
            execution_options=NO_SYNC,
        )
