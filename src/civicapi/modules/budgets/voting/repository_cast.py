"""SQL of a person's first whole ballot in one statement (PostgreSQL): the route's, inside its transaction,
and the ballot lane's (:mod:`civicapi.modules.budgets.voting.lane`), which is a transaction of its own. The
lane's one read before it is the lane's own (:mod:`civicapi.modules.budgets.voting.lane.repository`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Integer,
    Uuid,
    any_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import Select

from civicapi.core import audit
from civicapi.modules.budgets.models import Ballot, BallotItem, Budget, IdempotencyRecord, Project, Voter
from civicapi.modules.budgets.voting.rules import Line

# Table-level INSERTs: the ORM's bulk path would coerce every value again on each call.
INSERT_BALLOT = Ballot.metadata.tables[Ballot.__tablename__].insert()
INSERT_ITEM = BallotItem.metadata.tables[BallotItem.__tablename__].insert()
INSERT_VOTER = Voter.metadata.tables[Voter.__tablename__].insert()
INSERT_IDEMPOTENCY = IdempotencyRecord.metadata.tables[IdempotencyRecord.__tablename__].insert()


def column_values(obj: Any) -> dict[str, Any]:
    """Every column value of a new ORM object, for a Core ``INSERT``: unset ones filled from their
    Python-side default (what the ``INSERT`` would have applied)."""
    values = {}
    for column in obj.__table__.columns:
        value = getattr(obj, column.key)
        default = column.default
        if value is None and default is not None:
            value = default.arg if default.is_scalar else default.arg(None)
        values[column.key] = value
    return values


def _binds(table: Any, prefix: str) -> dict[str, Any]:
    return {c.key: bindparam(f"{prefix}_{c.key}", type_=c.type) for c in table.columns}


def _cast_at_once(with_key: bool, guarded: bool) -> Select[Any]:
    """PostgreSQL: a new cast ballot, its items, its register row, (``with_key``) its idempotency record
    and its audit entry in one statement (data-modifying CTEs).

    In the route's transaction (not ``guarded``), which holds the budget's lid already, the register row
    and the record go in ``ON CONFLICT DO NOTHING``: a unique constraint that fires skips the row instead
    of aborting the transaction (no savepoint), and the counts returned tell the caller what to undo. The
    audit entry is only inserted along with both.

    ``guarded`` (the ballot lane: the statement is its own transaction): the ballot is inserted only if
    the budget, held ``FOR SHARE`` like the route's lid, is still open and the chosen projects still exist
    at the costs the ballot was checked against (``expected_count``, ``expected_cost``), and every other
    row only with the ballot; the register row and the record are plain inserts, so a unique constraint
    that fires aborts the whole statement: either all of it is written or nothing."""
    ballot_t, item_t, voter_t, key_t = (
        INSERT_BALLOT.table,
        INSERT_ITEM.table,
        INSERT_VOTER.table,
        INSERT_IDEMPOTENCY.table,
    )
    projects = bindparam("item_projects", type_=ARRAY(Uuid()))
    ballot_binds = _binds(ballot_t, "b")
    if guarded:
        chosen = (Project.budget_id == ballot_binds["budget_id"], Project.id == any_(projects))
        lid = (
            select(Budget.id)
            .where(
                Budget.id == ballot_binds["budget_id"],
                Budget.commune_id == ballot_binds["commune_id"],
                Budget.closed_at.is_(None),
                select(func.count()).where(*chosen).scalar_subquery()
                == bindparam("expected_count", type_=Integer()),
                select(func.coalesce(func.sum(Project.cost), 0)).where(*chosen).scalar_subquery()
                == bindparam("expected_cost", type_=BigInteger()),
            )
            .with_for_update(read=True)
            .cte("lid")
        )
        ballot = (
            insert(ballot_t)
            .from_select(list(ballot_binds), select(*ballot_binds.values()).where(exists(select(lid.c.id))))
            .returning(ballot_t.c.id)
            .cte("new_ballot")
        )
    else:
        ballot = insert(ballot_t).values(ballot_binds).returning(ballot_t.c.id).cte("new_ballot")
    lines = (
        func.unnest(projects, bindparam("item_points", type_=ARRAY(Integer())))
        .table_valued("project_id", "points")
        .render_derived()
    )
    items = (
        insert(item_t)
        .from_select(
            ["commune_id", "ballot_id", "project_id", "points"],
            select(ballot_binds["commune_id"], ballot.c.id, lines.c.project_id, lines.c.points)
            .select_from(ballot)
            .join(lines, true()),
        )
        .returning(literal_column("1"))
        .cte("new_items")
    )
    with_ballot = exists(select(ballot.c.id))
    voter_binds = _binds(voter_t, "v")
    if guarded:
        voter = (
            insert(voter_t)
            .from_select(list(voter_binds), select(*voter_binds.values()).where(with_ballot))
            .returning(voter_t.c.id)
            .cte("new_voter")
        )
    else:
        voter = (
            postgresql.insert(voter_t)
            .values(voter_binds)
            .on_conflict_do_nothing()
            .returning(voter_t.c.id)
            .cte("new_voter")
        )
    counts = [
        select(func.count()).select_from(ballot).scalar_subquery(),
        select(func.count()).select_from(items).scalar_subquery(),
        select(func.count()).select_from(voter).scalar_subquery(),
    ]
    accepted = [with_ballot] if guarded else [exists(select(voter.c.id))]
    if with_key:
        binds = _binds(key_t, "k")
        stmt = insert(key_t) if guarded else postgresql.insert(key_t)
        stmt = stmt.from_select(list(binds), select(*binds.values()).where(*accepted))
        if not guarded:
            stmt = stmt.on_conflict_do_nothing()  # type: ignore[attr-defined]
        record = stmt.returning(key_t.c.id).cte("new_key")
        counts.append(select(func.count()).select_from(record).scalar_subquery())
        if not guarded:
            accepted.append(exists(select(record.c.id)))
    binds = _binds(audit.TABLE, "a")
    entry = (
        insert(audit.TABLE)
        .from_select(list(binds), select(*binds.values()).where(*accepted))
        .returning(literal_column("1"))
        .cte("new_entry")
    )
    return select(*counts, select(func.count()).select_from(entry).scalar_subquery())


_CAST_AT_ONCE = {
    (with_key, guarded): _cast_at_once(with_key, guarded)
    for with_key in (False, True)
    for guarded in (False, True)
}


def cast_at_once(
    commune_id: uuid.UUID,
    ballot: Ballot,
    lines: Sequence[Line],
    voter: Voter,
    record: IdempotencyRecord | None,
    entry: dict[str, Any],
    *,
    costs: dict[uuid.UUID, int] | None = None,
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement of :meth:`BallotRepository.insert_cast_at_once` and its parameters (``record`` gets
    the commune); its one row goes to :func:`cast_accepted`. ``costs``: the guarded statement (see
    :func:`_cast_at_once`), the costs the lines were checked against."""
    params: dict[str, Any] = {f"b_{k}": v for k, v in column_values(ballot).items()}
    params |= {f"v_{k}": v for k, v in column_values(voter).items()}
    params["item_projects"] = [line.project_id for line in lines]
    params["item_points"] = [line.points for line in lines]
    if record is not None:
        record.commune_id = commune_id
        params |= {f"k_{k}": v for k, v in column_values(record).items()}
    params |= {f"a_{k}": v for k, v in entry.items()}
    if costs is not None:
        chosen = {line.project_id for line in lines}
        params["expected_count"] = len(chosen)
        params["expected_cost"] = sum(costs[project] for project in chosen)
    return _CAST_AT_ONCE[record is not None, costs is not None], params


def cast_accepted(row: Sequence[Any], with_key: bool) -> tuple[bool, bool]:
    """(register row inserted, idempotency record inserted or none asked) from :func:`cast_at_once`'s row."""
    return row[2] == 1, not with_key or row[3] == 1
