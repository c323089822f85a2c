"""Capture the SQL a request sends, and replay it from a bare route: the database floor of a write.

:func:`capture` records, on an engine, every statement a block sends (``before_cursor_execute``), with its
parameters as the driver receives them and the rows it answered, and every transaction boundary, per
connection. Two requests of the same kind (two people registering for two meetings) are captured;
:func:`plan` compares them parameter by parameter and says where each value comes from:

* the same in both: a constant;
* the request's own values (the person, the meeting, the idempotency key): taken from the request;
* a value an earlier statement answered (``RETURNING queue_seq``): taken from that answer at replay;
* a time: now, plus the captured offset from the request's start;
* an id or code the request drew (a new row's id, a check-in code): drawn afresh, the same within a request;
* a text holding any of these (an event's JSON payload): the same text with them replaced.

A value none of these explains stops the plan (a floor that sent other statements would be no floor).

:class:`Replayer` sends a plan's statements on the driver's own connections (aiosqlite or asyncpg, as
``civicapi.core.db.raw`` does), in the captured order, on as many connections as the request used, with
the captured transaction boundaries: nothing else (no ORM, no validation, no answer built).
"""

from __future__ import annotations

import random
import re
import string
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

HEX32 = re.compile(r"^[0-9a-f]{32}$")
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass
class Op:
    """One step of a captured request: ``sql`` (with ``params`` and the ``rows`` answered), or a
    transaction boundary (``begin``, ``commit``, ``rollback``), on connection number ``conn``."""

    conn: int
    kind: str
    sql: str = ""
    params: tuple[Any, ...] = ()
    rows: list[tuple[Any, ...]] = field(default_factory=list)


@contextmanager
def capture(engine: AsyncEngine, ops: list[Op]) -> Iterator[None]:
    """Append to ``ops`` what ``engine`` sends while the block runs."""
    sync = engine.sync_engine
    numbers: dict[int, int] = {}

    def number(conn: Any) -> int:
        return numbers.setdefault(id(conn.connection.dbapi_connection), len(numbers))

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if many:  # one statement for many rows (an INSERT of a response's answers): each row's parameters
            ops.append(Op(number(conn), "many", statement, tuple(tuple(p) for p in parameters)))
            return
        rows = [tuple(r) for r in getattr(cursor, "_rows", ())]
        ops.append(Op(number(conn), "sql", statement, tuple(parameters or ()), rows))

    def boundary(kind: str) -> Any:
        return lambda conn: ops.append(Op(number(conn), kind))

    listeners = [
        ("after_cursor_execute", after),
        ("begin", boundary("begin")),
        ("commit", boundary("commit")),
        ("rollback", boundary("rollback")),
    ]
    for name, fn in listeners:
        event.listen(sync, name, fn)
    try:
        yield
    finally:
        for name, fn in listeners:
            event.remove(sync, name, fn)


# --- the plan: where each parameter's value comes from ----------------------------------------------------


def _as_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and (HEX32.match(value) or len(value) == 36):
        try:
            return uuid.UUID(value)
        except ValueError:
            return None
    return None


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] in (" ", "T"):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _forms(value: uuid.UUID) -> tuple[str, str]:
    return value.hex, str(value)


@dataclass
class Source:
    """Where one parameter's value comes from at replay: ``kind`` (const, given, result, time, fresh, code,
    text), ``sample`` (request B's value, which a replay's value takes the form of), ``place`` (given: the
    name of the request's value; result: the (op, column) of the answer)."""

    kind: str
    sample: Any = None
    place: Any = None


def _same(x: Any, y: Any) -> bool:
    ux, uy = _as_uuid(x), _as_uuid(y)
    return ux == uy if ux is not None and uy is not None else bool(x == y)


def _explain(a: Any, b: Any, given_a: dict[str, Any], given_b: dict[str, Any], answers: Any) -> Source:
    """Where ``b`` (request B's value) comes from, ``a`` being request A's value in the same place."""
    if a == b:
        return Source("const", b)
    for name, value in given_b.items():
        if _same(b, value) and _same(a, given_a[name]):
            return Source("given", b, name)
    for place, (answer_a, answer_b) in answers.items():
        if b == answer_b and a == answer_a:
            return Source("result", b, place)
    if _as_uuid(b) is not None and _as_uuid(a) is not None:
        return Source("fresh", b)
    if isinstance(b, str) and isinstance(a, str):
        if _as_time(b) is not None:
            return Source("time", b)
        if len(a) == len(b) and set(a + b) <= set(string.ascii_uppercase + string.digits):
            return Source("code", b)
        return Source("text", b)
    if isinstance(b, datetime | date):
        return Source("time", b)
    raise ValueError(f"cannot explain a parameter: {a!r} then {b!r}")


def plan(a: list[Op], b: list[Op], given_a: dict[str, Any], given_b: dict[str, Any]) -> list[Op]:
    """Request B's ops with each parameter a :class:`Source` (A and B: the same kind of request)."""
    if [(o.conn, o.kind, o.sql) for o in a] != [(o.conn, o.kind, o.sql) for o in b]:
        raise ValueError("the two captured requests did not send the same statements")
    answers: dict[tuple[int, int], tuple[Any, Any]] = {}
    planned = []

    def explain(params_a: tuple[Any, ...], params_b: tuple[Any, ...]) -> tuple[Source, ...]:
        return tuple(
            _explain(x, y, given_a, given_b, answers) for x, y in zip(params_a, params_b, strict=True)
        )

    for i, (op_a, op_b) in enumerate(zip(a, b, strict=True)):
        if op_b.kind == "many":  # a row of parameters each (the same number in both requests)
            rows = tuple(explain(x, y) for x, y in zip(op_a.params, op_b.params, strict=True))
            planned.append(Op(op_b.conn, op_b.kind, op_b.sql, rows))
            continue
        sources = explain(op_a.params, op_b.params)
        planned.append(Op(op_b.conn, op_b.kind, op_b.sql, sources))
        if op_a.rows and op_b.rows:
            for column, (x, y) in enumerate(zip(op_a.rows[0], op_b.rows[0], strict=True)):
                if x != y:
                    answers.setdefault((i, column), (x, y))
    return planned


def saved_plan(captured: list[tuple[list[Op], dict[str, Any], datetime, Any]]) -> dict[str, Any]:
    """What a floor needs of the captured requests, each ``(ops, given, started, response)``: the plan of
    the last (explained by the one before), its start and values, its answer's bytes, its statements."""
    (ops_a, given_a, _, _), (ops_b, given_b, started_b, answer) = captured[-2:]
    return {
        "ops": plan(ops_a, ops_b, given_a, given_b),
        "captured_at": started_b,
        "given": given_b,
        "answer": answer.content,
        "statements": sum(op.kind in ("sql", "many") for op in ops_b),
    }


# --- replay -----------------------------------------------------------------------------------------------


def _fresh_like(old: Any, new: uuid.UUID) -> Any:
    if isinstance(old, uuid.UUID):
        return new
    return new.hex if HEX32.match(old) else str(new)


def _time_like(old: Any, at: datetime) -> Any:
    if isinstance(old, datetime):
        return at if old.tzinfo else at.replace(tzinfo=None)
    if isinstance(old, date):
        return at.date()
    return at.strftime(SQLITE_TIME) if " " in old else at.isoformat()


def _sources(op: Op) -> list[Source]:
    """A planned op's parameters' sources (every row's, for an executemany)."""
    if op.kind == "many":
        return [source for row in op.params for source in row]
    return list(op.params)


class Replayer:
    """Replays a plan (:func:`plan`) on ``engine``'s driver connections; ``captured_at``: request B's start,
    ``given_b``: its own values (replaced, also inside texts, by each replay's)."""

    def __init__(self, engine: AsyncEngine, ops: list[Op], captured_at: datetime, given_b: dict[str, Any]):
        self.engine = engine
        self.ops = ops
        self.captured_at = captured_at
        self.given_b = given_b
        self.sqlite = engine.dialect.name == "sqlite"
        self.codes = random.Random()

    def _values(self, given: dict[str, Any]) -> tuple[dict[Any, Any], dict[str, str]]:
        """Per replay: the value of each fresh id or code, and the text replacements."""
        now = datetime.now(UTC)
        fresh: dict[Any, Any] = {"now": now}
        texts: dict[str, str] = {}
        for name, old in self.given_b.items():
            old_id, new_id = _as_uuid(old), _as_uuid(given[name])
            if old_id is not None and new_id is not None:
                texts.update(zip(_forms(old_id), _forms(new_id), strict=True))
            elif isinstance(old, str):
                texts[old] = str(given[name])
        for op in self.ops:
            for source in _sources(op):
                old_id = _as_uuid(source.sample) if source.kind == "fresh" else None
                if old_id is not None and old_id not in fresh:
                    fresh[old_id] = new = uuid.uuid4()
                    texts.update(zip(_forms(old_id), _forms(new), strict=True))
                elif source.kind == "code" and source.sample not in fresh:
                    code = "".join(self.codes.choices(CODE_ALPHABET, k=len(source.sample)))
                    fresh[source.sample] = texts[source.sample] = code
        return fresh, texts

    def _param(
        self,
        source: Source,
        given: dict[str, Any],
        answers: dict[tuple[int, int], Any],
        fresh: Any,
        texts: Any,
    ) -> Any:
        kind, sample = source.kind, source.sample
        if kind == "const":
            return sample
        if kind == "given":
            value, new_id = given[source.place], _as_uuid(given[source.place])
            return _fresh_like(sample, new_id) if new_id is not None and _as_uuid(sample) else value
        if kind == "result":
            return answers[source.place]
        if kind == "fresh":
            return _fresh_like(sample, fresh[_as_uuid(sample)])
        if kind == "code":
            return fresh[sample]
        if kind == "time":
            old = _as_time(sample)
            at = fresh["now"] + (old - self.captured_at if old is not None else timedelta())
            return _time_like(sample, at)
        for old_text, new_text in texts.items():  # text
            sample = sample.replace(old_text, new_text)
        return sample

    async def run(self, given: dict[str, Any]) -> None:
        """One replay, ``given``: this request's own values (same names as the capture's)."""
        fresh, texts = self._values(given)
        answers: dict[tuple[int, int], Any] = {}
        async with AsyncExitStack() as stack:
            conns: dict[int, Any] = {}
            transactions: dict[int, Any] = {}
            for i, op in enumerate(self.ops):
                if op.conn not in conns:
                    sa_conn = await stack.enter_async_context(self.engine.connect())
                    conns[op.conn] = (await sa_conn.get_raw_connection()).driver_connection
                conn = conns[op.conn]
                if op.kind == "begin":
                    if not self.sqlite:  # SQLite's BEGIN is a captured statement
                        transactions[op.conn] = conn.transaction()
                        await transactions[op.conn].start()
                    continue
                if op.kind in ("commit", "rollback"):
                    if self.sqlite:
                        await (conn.commit() if op.kind == "commit" else conn.rollback())
                    else:
                        tr = transactions.pop(op.conn)
                        await (tr.commit() if op.kind == "commit" else tr.rollback())
                    continue
                if op.kind == "many":
                    many = [[self._param(s, given, answers, fresh, texts) for s in row] for row in op.params]
                    await conn.executemany(op.sql, many)
                    continue
                params = [self._param(s, given, answers, fresh, texts) for s in op.params]
                if self.sqlite:
                    cursor = await conn.execute(op.sql, params)
                    rows = await cursor.fetchall()
                    await cursor.close()
                else:
                    rows = await conn.fetch(op.sql, *params)
                if rows:
                    for column, value in enumerate(rows[0]):
                        answers[i, column] = value
